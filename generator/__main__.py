"""`python -m generator …` is the same as the `newsarchive` command."""

from generator.cli import run

run()
