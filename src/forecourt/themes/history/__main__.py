"""`python -m forecourt.themes.history`: archive the bundled default theme under its version (at release time)."""

from . import write

if __name__ == "__main__":
    print(f"default theme archived as {write()}")
