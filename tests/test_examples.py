"""The shipped examples are valid and land in the tiers they are meant to illustrate."""

from pathlib import Path

import pytest

from bot.adapters import files
from bot.adapters import risk_model_files as risk_models
from bot.cli import main
from bot.domain.models import EvidencePack
from bot.domain.scoring import score

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("path", "tier"),
    [
        ("evidence/2026-11/payments-api-7.4.2.yaml", "low"),
        ("evidence/2026-11/identity-gateway-3.0.0.yaml", "medium"),
        ("evidence/2026-11/edge-proxy-hotfix.yaml", "high"),
    ],
)
def test_example_pack_scores_in_its_intended_tier(path: str, tier: str) -> None:
    model = risk_models.resolve(None, ROOT)
    pack = files.load(ROOT / path, EvidencePack)
    assert score(pack.model, model.model, model.sha256).tier == tier


def test_cab_validate_accepts_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--repo", str(ROOT)]) == 0
    assert "0 invalid" in capsys.readouterr().out
