"""Debian's chromium for Playwright, launched for a closed network (every browser test uses this)."""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No background fetches, no first-run, no component updates: this machine's network is closed.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def launch(playwright):
    """A headless chromium from `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
