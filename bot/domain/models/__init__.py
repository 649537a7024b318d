"""Typed, strict models of every governed document kind."""

from bot.domain.models.decision import Decision
from bot.domain.models.evidence import EvidencePack
from bot.domain.models.exception_decision import ExceptionDecision
from bot.domain.models.exception_record import ExceptionRecord
from bot.domain.models.freeze import FreezeCalendar
from bot.domain.models.history import History
from bot.domain.models.policy_decision import PolicyDecision
from bot.domain.models.risk_model import RiskModel
from bot.domain.models.signers import Signers

GovernedDocument = (
    EvidencePack
    | RiskModel
    | ExceptionRecord
    | Decision
    | ExceptionDecision
    | PolicyDecision
    | Signers
    | History
    | FreezeCalendar
)

MODELS_BY_KIND: dict[str, type[GovernedDocument]] = {
    "EvidencePack": EvidencePack,
    "Exception": ExceptionRecord,
    "RiskModel": RiskModel,
    "Decision": Decision,
    "ExceptionDecision": ExceptionDecision,
    "PolicyDecision": PolicyDecision,
    "Signers": Signers,
    "History": History,
    "FreezeCalendar": FreezeCalendar,
}

__all__ = [
    "MODELS_BY_KIND",
    "Decision",
    "EvidencePack",
    "ExceptionDecision",
    "ExceptionRecord",
    "FreezeCalendar",
    "GovernedDocument",
    "History",
    "PolicyDecision",
    "RiskModel",
    "Signers",
]
