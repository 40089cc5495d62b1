"""`python -m forecourt.themes.history`: snapshot the bundled default theme under its version (at release time)."""

from . import write

if __name__ == "__main__":
    print(f"default theme copied into {write()}")
