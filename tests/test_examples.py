"""The shipped examples are valid and land in the tiers they are meant to illustrate."""

from pathlib import Path

import pytest

from bot.adapters import files
from bot.adapters import risk_model_files as risk_models
from bot.cli import main
from bot.domain.models import EvidencePack
from bot.domain.scoring import score
from bot.services.signature import check_pack

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("path", "tier"),
    [
        ("evidence/2026-11/payments-api-7.4.2.yaml", "low"),
        ("evidence/2026-11/identity-gateway-3.0.0.yaml", "medium"),
        ("evidence/2026-11/edge-proxy-hotfix.yaml", "high"),
    ],
)
def test_example_pack_scores_in_its_intended_tier_under_v1_0(path: str, tier: str) -> None:
    model = risk_models.resolve(ROOT / "risk-model" / "v1.0.yaml", ROOT)
    pack = files.load(ROOT / path, EvidencePack)
    assert score(pack.model, model.model, model.sha256).tier == tier


@pytest.mark.parametrize(
    ("path", "tier", "override"),
    [
        # Attached scan, JUnit and coverage, and a real Sigstore bundle that verifies: low.
        ("evidence/2026-11/rfc8785-0.1.2.yaml", "low", None),
        # The same numbers typed in by hand: 48.00 would be low, the model's floor keeps it medium.
        ("evidence/2026-11/payments-api-7.4.2.yaml", "medium", "model_floor"),
        ("evidence/2026-11/identity-gateway-3.0.0.yaml", "high", None),
        ("evidence/2026-11/edge-proxy-hotfix.yaml", "high", None),
    ],
)
def test_example_pack_scores_under_v1_1_from_its_proof(path: str, tier: str, override: str | None) -> None:
    model = risk_models.resolve(None, ROOT)
    assert model.model.version == "1.1"
    loaded = files.load(ROOT / path, EvidencePack)
    risk = score(loaded.model, model.model, model.sha256, check_pack(loaded.model, ROOT))
    assert (risk.tier, risk.tier_override) == (tier, override)


def test_cab_validate_accepts_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--repo", str(ROOT)]) == 0
    assert "0 invalid" in capsys.readouterr().out
