"""Decision outcomes and which tier may have which. Pure and light: the models, the approval
policy and the deployment gate share them, and the gate reads them without loading pydantic."""

from __future__ import annotations

OUTCOMES = ("pending", "auto_approved", "standard", "emergency", "approved", "conditional", "rejected")
FINAL_OUTCOMES: frozenset[str] = frozenset(
    {"auto_approved", "standard", "emergency", "approved", "conditional", "rejected"}
)
APPROVING_OUTCOMES: frozenset[str] = frozenset(
    {"auto_approved", "standard", "emergency", "approved", "conditional"}
)
TIERS = ("low", "medium", "high")

# A standard change keeps the tier it scored: it may be low or medium (a template can never
# pre-approve what needs security and an exception), and the record names its template
# (`bot.domain.rules.standard_changes`). An emergency change is approved by one on-call member
# whatever its tier, and reviewed by the CAB afterwards (`bot.domain.rules.emergency`).
OUTCOMES_BY_TIER: dict[str, frozenset[str]] = {
    "low": frozenset({"auto_approved", "standard", "emergency"}),
    "medium": frozenset({"standard", "emergency", "approved", "conditional", "rejected"}),
    "high": frozenset({"emergency", "approved", "conditional", "rejected"}),
    "exception": frozenset({"approved", "rejected"}),
    "policy": frozenset({"approved", "rejected"}),
}


def outcome_allowed(tier: str, outcome: str) -> bool:
    """Only the low tier is auto-approved; only low and medium may be standard changes."""
    return outcome in OUTCOMES_BY_TIER.get(tier, frozenset())
