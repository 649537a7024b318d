"""`emergency.retro-overdue`: emergency changes whose CAB retro-review was not given in time.

Judged at the audit's time (`cab audit --at`, default now), after the walk: the per-commit verdicts
are cached by commit and must not depend on the clock, so this reads only the walk's table of
decisions (each emergency's due date) and the retro-approvals it saw.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.findings import Finding
from bot.domain.rules import emergency
from bot.services.audit.stats import Stats


def overdue_findings(stats: Stats, now: dt.datetime) -> list[Finding]:
    """Each emergency change the audit saw whose retro-review was not given in time, as of `now`.
    Time-dependent, so computed after the walk (whose per-commit verdicts are cached by commit)."""
    found = []
    for row in stats.rows:
        if row.kind != "change" or row.outcome != "emergency" or row.retro_due is None:
            continue
        approved = stats.retro_approvals.get(row.id)
        due = dt.datetime.fromisoformat(row.retro_due)
        when = dt.datetime.fromisoformat(approved) if approved else None
        why = emergency.retro_overdue(due, when, now)
        if why is not None:
            found.append(Finding("emergency.retro-overdue", row.commit, None, f"{row.id}: {why}"))
    return found
