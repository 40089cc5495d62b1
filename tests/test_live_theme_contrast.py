"""The default theme's colour schemes meet WCAG 2.2 AA: text 4.5:1 and controls' borders and the focus
ring 3:1 against the backgrounds they are drawn on, in the light and the dark scheme; and the dark
scheme is one set of values, whether the system asks for it or the visitor chose it.

Read from the custom properties of assets/css/portal.css (docs/themes.md, "Colour schemes"), so a
changed colour that breaks a pair fails here, before anyone looks at a screenshot."""

import re
from pathlib import Path

import pytest

import forecourt

CSS = (Path(forecourt.__file__).parent / "themes" / "default" / "assets" / "css" / "portal.css").read_text()

# (foreground, background, the ratio it must reach)
TEXT = 4.5
UI = 3.0
PAIRS = [
    ("ink", "bg", TEXT), ("ink", "surface", TEXT), ("ink", "surface-2", TEXT),
    ("muted", "bg", TEXT), ("muted", "surface", TEXT), ("muted", "surface-2", TEXT), ("muted", "brand-soft", TEXT),
    ("brand", "bg", TEXT), ("brand", "surface", TEXT), ("brand", "surface-2", TEXT),
    ("on-brand", "brand", TEXT), ("on-brand", "brand-strong", TEXT), ("on-brand", "danger", TEXT),
    ("brand-soft-ink", "brand-soft", TEXT), ("ink", "brand-soft", TEXT),
    ("ok-ink", "ok-bg", TEXT), ("warn-ink", "warn-bg", TEXT),
    ("danger", "danger-bg", TEXT), ("danger", "surface", TEXT),
    ("ink", "ok-bg", TEXT), ("ink", "warn-bg", TEXT), ("ink", "danger-bg", TEXT),
    ("on-hero", "hero-from", TEXT), ("on-hero", "hero-to", TEXT),
    ("on-hero-muted", "hero-from", TEXT), ("on-hero-muted", "hero-to", TEXT),
    ("line-strong", "surface", UI), ("line-strong", "bg", UI), ("focus", "bg", UI), ("focus", "surface", UI),
    ("accent", "surface", UI),
]


def properties(selector: str, text: str = CSS) -> dict[str, str]:
    """The colour custom properties declared in the first rule for `selector`."""
    start = text.index(selector + " {")
    body = text[start:text.index("}", start)]
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", body))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


LIGHT = properties(":root")
DARK = {**LIGHT, **properties(':root[data-theme="dark"]')}


def test_contrast_helper_knows_the_extremes():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "needed"), PAIRS, ids=[f"{f}-on-{b}" for f, b, _ in PAIRS])
def test_every_pair_meets_aa(scheme, fg, bg, needed):
    colours = LIGHT if scheme == "light" else DARK
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= needed, f"{scheme}: --{fg} {colours[fg]} on --{bg} {colours[bg]} is {ratio:.2f}:1"


def test_monograms_white_letters_meet_aa():
    for number in range(1, 7):
        assert contrast("#ffffff", LIGHT[f"mono-{number}"]) >= TEXT, number


def test_the_system_dark_scheme_is_the_chosen_dark_scheme():
    media = CSS[CSS.index("@media (prefers-color-scheme: dark)"):]
    system = properties(':root:not([data-theme="light"])', media)
    chosen = properties(':root[data-theme="dark"]')
    assert system == chosen and len(chosen) >= 20
    assert set(chosen) <= set(LIGHT)  # every dark value overrides a light one: nothing left undefined
