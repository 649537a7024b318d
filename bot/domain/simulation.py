"""What a proposed risk model would have done to past decisions: the calibration table.

Pure: the past decisions and their evidence come in, a tier-shift matrix and the movers go out.
The recorded tier is compared with the tier the proposed model gives the same evidence, so a
reviewer of a model change sees its effect before approving it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.models import EvidencePack, RiskModel
from bot.domain.scoring import score
from bot.domain.signature_proof import SignatureCheck

TIERS = ("low", "medium", "high")


@dataclass(frozen=True)
class Past:
    """One decision as it was recorded."""

    change_id: str
    outcome: str
    tier: str
    score: str
    model_version: str


@dataclass(frozen=True)
class Shift:
    past: Past
    tier: str
    score: str

    @property
    def delta(self) -> Decimal:
        return Decimal(self.score) - Decimal(self.past.score)

    @property
    def moved(self) -> bool:
        return self.tier != self.past.tier


@dataclass(frozen=True)
class Simulation:
    model_version: str
    shifts: tuple[Shift, ...]
    unreadable: tuple[tuple[str, str], ...]  # (change id, why its evidence could not be re-scored)

    def matrix(self) -> dict[str, dict[str, int]]:
        """Recorded tier -> proposed tier -> how many decisions."""
        out = {before: dict.fromkeys(TIERS, 0) for before in TIERS}
        for shift in self.shifts:
            out[shift.past.tier][shift.tier] += 1
        return out

    def movers(self) -> list[Shift]:
        """Decisions whose tier changes, the largest score change first."""
        return sorted((s for s in self.shifts if s.moved), key=lambda s: (-abs(s.delta), s.past.change_id))

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "decisions": len(self.shifts),
            "moved": len(self.movers()),
            "matrix": self.matrix(),
            "movers": [
                {
                    "change_id": s.past.change_id,
                    "outcome": s.past.outcome,
                    "from": {"tier": s.past.tier, "score": s.past.score, "model": s.past.model_version},
                    "to": {"tier": s.tier, "score": s.score},
                    "delta": f"{s.delta:+.2f}",
                }
                for s in self.movers()
            ],
            "unreadable": [{"change_id": c, "reason": r} for c, r in self.unreadable],
        }


def simulate(
    past: Iterable[tuple[Past, EvidencePack, SignatureCheck]],
    model: RiskModel,
    model_sha256: str,
    unreadable: Iterable[tuple[str, str]] = (),
) -> Simulation:
    """`past` carries, for each decision, what checking its pack's Sigstore bundle finds today."""
    shifts = []
    for decision, pack, signature in past:
        risk = score(pack, model, model_sha256, signature)
        shifts.append(Shift(decision, risk.tier, risk.score))
    return Simulation(model.version, tuple(shifts), tuple(unreadable))


def markdown(sim: Simulation) -> str:
    """The table a model-change PR comment and `cab simulate --format markdown` show."""
    matrix = sim.matrix()
    lines = [
        f"### Re-scoring {len(sim.shifts)} past decisions under model {sim.model_version}",
        "",
        f"{len(sim.movers())} change tier.",
        "",
        "| recorded \\ proposed | " + " | ".join(TIERS) + " |",
        "|---|" + "---:|" * len(TIERS),
    ]
    lines += [
        f"| **{before}** | " + " | ".join(str(matrix[before][t]) for t in TIERS) + " |" for before in TIERS
    ]
    if sim.movers():
        lines += ["", "| change | outcome | recorded | proposed | delta |", "|---|---|---|---|---:|"]
        lines += [
            f"| `{s.past.change_id}` | {s.past.outcome} | {s.past.tier} {s.past.score} | {s.tier} {s.score} "
            f"| {s.delta:+.2f} |"
            for s in sim.movers()
        ]
    lines += _unreadable_lines(sim, "- ")
    return "\n".join(lines)


def text(sim: Simulation) -> str:
    matrix = sim.matrix()
    corner = "recorded \\ proposed"
    cells = max(len(t) for t in TIERS) + 2
    lines = [
        f"re-scored {len(sim.shifts)} past decisions under model {sim.model_version}: "
        f"{len(sim.movers())} change tier",
        "",
        corner + "".join(t.rjust(cells) for t in TIERS),
    ]
    lines += [
        before.ljust(len(corner)) + "".join(str(matrix[before][t]).rjust(cells) for t in TIERS)
        for before in TIERS
    ]
    if sim.movers():
        lines += ["", "moved:"]
        lines += [
            f"  {s.past.change_id}  {s.past.tier} {s.past.score} -> {s.tier} {s.score}  ({s.delta:+.2f}, "
            f"{s.past.outcome})"
            for s in sim.movers()
        ]
    lines += _unreadable_lines(sim, "  ")
    return "\n".join(lines)


def _unreadable_lines(sim: Simulation, bullet: str) -> list[str]:
    if not sim.unreadable:
        return []
    return ["", f"{len(sim.unreadable)} could not be re-scored:"] + [
        f"{bullet}{change}: {why}" for change, why in sim.unreadable
    ]
