"""How long an accepted-risk exception may run: it must expire after its approval, and at most
MAX_EXCEPTION_DAYS after it. Pure; the moment of approval is passed in.

The bot refuses to approve outside the window; the audit finds a recorded approval outside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from bot.domain.models.exception_record import MAX_EXCEPTION_DAYS

WindowProblem = Literal["not-after-approval", "too-long"]

__all__ = ["MAX_EXCEPTION_DAYS", "WindowProblem", "window_problem"]


def window_problem(expires_at: dt.datetime, approved_at: dt.datetime) -> WindowProblem | None:
    """What is wrong with approving, at `approved_at`, an exception that expires at `expires_at`."""
    if expires_at <= approved_at:
        return "not-after-approval"
    if expires_at - approved_at > dt.timedelta(days=MAX_EXCEPTION_DAYS):
        return "too-long"
    return None
