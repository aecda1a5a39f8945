"""`python -m generator …` is the same as the `newsarchive` command."""

from generator.commands.cli import run

run()
