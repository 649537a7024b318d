"""Change failure rate (DORA's, as a CAB reports it): of the changes approved in a period, how many
a later approved change had to repair, by fixing forward (`fixes: [change-id]` in its pack) or by
rolling back (`rolls_back: change-id`).

Pure: population rows in (`bot.domain.population`), the rate and each failure out. Only what
landed counts: the failed change and its repair must both have an approving outcome, the repair
decided after the change it repairs. A repair naming a change that was never approved is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.domain.outcomes import APPROVING_OUTCOMES
from bot.domain.population import Row


@dataclass(frozen=True)
class Failure:
    change_id: str
    by: str  # the change that repaired it
    how: str  # "fixed" | "rolled back"

    def __str__(self) -> str:
        return f"{self.change_id} ({self.how} by {self.by})"


@dataclass(frozen=True)
class ChangeFailure:
    deployed: int  # approved changes in the period
    failures: tuple[Failure, ...]

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def rate(self) -> float | None:
        return None if not self.deployed else self.failed / self.deployed

    def as_dict(self) -> dict[str, Any]:
        return {
            "deployed": self.deployed,
            "failed": self.failed,
            "rate": None if self.rate is None else round(self.rate, 4),
            "failures": [{"change_id": f.change_id, "by": f.by, "how": f.how} for f in self.failures],
        }


def change_failure(rows: Iterable[Row]) -> ChangeFailure:
    """Over change rows of one period (the repairs of a change decided in it are in it too)."""
    landed = [
        r for r in rows if r.kind == "change" and r.outcome in APPROVING_OUTCOMES and r.decided_at is not None
    ]
    when: dict[str, dt.datetime] = {r.id: r.decided_at for r in landed if r.decided_at is not None}
    found: dict[str, Failure] = {}
    for repair in sorted(landed, key=lambda r: (r.decided_at, r.id)):  # the first repair names it
        named = [(t, "fixed") for t in repair.fixes]
        if repair.rolls_back:
            named.append((repair.rolls_back, "rolled back"))
        for target, how in named:
            decided = when.get(target)
            if (
                decided is None
                or target in found
                or repair.decided_at is None
                or decided >= repair.decided_at
            ):
                continue
            found[target] = Failure(target, repair.id, how)
    return ChangeFailure(len(landed), tuple(found[k] for k in sorted(found)))
