"""Typed, strict models of every governed document kind."""

from bot.domain.models.decision import Decision
from bot.domain.models.emergency import EmergencyPolicy
from bot.domain.models.evidence import EvidencePack
from bot.domain.models.exception_decision import ExceptionDecision
from bot.domain.models.exception_record import ExceptionRecord
from bot.domain.models.freeze import FreezeCalendar
from bot.domain.models.history import History
from bot.domain.models.policy_decision import PolicyDecision
from bot.domain.models.retro_approval import RetroApproval
from bot.domain.models.risk_model import RiskModel
from bot.domain.models.signers import Signers
from bot.domain.models.standard_change import StandardChange

GovernedDocument = (
    EvidencePack
    | RiskModel
    | ExceptionRecord
    | Decision
    | ExceptionDecision
    | PolicyDecision
    | Signers
    | History
    | StandardChange
    | EmergencyPolicy
    | RetroApproval
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
    "StandardChange": StandardChange,
    "EmergencyPolicy": EmergencyPolicy,
    "RetroApproval": RetroApproval,
    "FreezeCalendar": FreezeCalendar,
}

__all__ = [
    "MODELS_BY_KIND",
    "Decision",
    "EmergencyPolicy",
    "EvidencePack",
    "ExceptionDecision",
    "ExceptionRecord",
    "FreezeCalendar",
    "GovernedDocument",
    "History",
    "PolicyDecision",
    "RetroApproval",
    "RiskModel",
    "Signers",
    "StandardChange",
]
