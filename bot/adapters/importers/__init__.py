"""Importers of tool outputs: one small module per tool, each turning a file into plain values.

`interface` holds the shared value types and the one base error (`ToolOutputError`); `detect`
decides what a file is from its content; `bot.services.collect` composes the values into an evidence pack.
Importers are adapters at the edge: they read files, the core never does.
"""

from bot.adapters.importers.interface import ToolOutputError, WrongFormatError

__all__ = ["ToolOutputError", "WrongFormatError"]
