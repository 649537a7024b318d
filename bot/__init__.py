"""CAB Bot: a change-approval board that lives in a git repository."""

__version__ = "0.1.0"
