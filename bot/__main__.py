"""`python -m bot` is the same as the `cab` console script."""

from bot.cli import run

run()
