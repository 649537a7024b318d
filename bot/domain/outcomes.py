"""Decision outcomes and which tier may have which. Pure and light: the models, the approval
policy and the deployment gate share them, and the gate reads them without loading pydantic."""

from __future__ import annotations

OUTCOMES = ("pending", "auto_approved", "approved", "conditional", "rejected")
FINAL_OUTCOMES: frozenset[str] = frozenset({"auto_approved", "approved", "conditional", "rejected"})
APPROVING_OUTCOMES: frozenset[str] = frozenset({"auto_approved", "approved", "conditional"})
TIERS = ("low", "medium", "high")

OUTCOMES_BY_TIER: dict[str, frozenset[str]] = {
    "low": frozenset({"auto_approved"}),
    "medium": frozenset({"approved", "conditional", "rejected"}),
    "high": frozenset({"approved", "conditional", "rejected"}),
    "exception": frozenset({"approved", "rejected"}),
    "policy": frozenset({"approved", "rejected"}),
}


def outcome_allowed(tier: str, outcome: str) -> bool:
    """Only the low tier is auto-approved, and it is never anything else."""
    return outcome in OUTCOMES_BY_TIER.get(tier, frozenset())
