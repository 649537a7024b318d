"""The one way a command line gives a time: ISO 8601 with a time zone, read as UTC.

A bare date or a time without a zone is refused rather than guessed: "2027-03-01" means a
different instant in every zone, and an expiry check is about instants.
"""

from __future__ import annotations

import argparse
import datetime as dt

EXAMPLE = "2026-12-01T09:00:00Z"


def utc_time(text: str) -> dt.datetime:
    """argparse type: an aware date-time (any offset, `Z` for UTC), converted to UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time{reason}; use e.g. {EXAMPLE}"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add one, e.g. {EXAMPLE} (Z is UTC)")
    return value.astimezone(dt.UTC)
