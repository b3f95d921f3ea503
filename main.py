"""Thin launcher: ``python main.py`` does what the ``broadtalk`` command does."""

from broadtalk.__main__ import main

if __name__ == "__main__":
    main()
