"""`cab verify`'s light path (bot.services.gate): it never loads pydantic, it reads the gate's
fields exactly as strictly as the schema does, and it only ever says "ok" where the full path says
"ok" too; everything else is left to the full path."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.adapters.git.blobs import GitBlobs
from bot.domain.identity import BotIdentity
from bot.domain.models import Decision
from bot.domain.rules import gate_record
from bot.domain.strict_yaml import load_bytes
from bot.services import demo
from bot.services.gate import verify_light
from bot.services.queries import verify_change
from tests.builders import REMOVE, SHA_A, decision_record, dump_yaml

BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")
NOW = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
EXPIRES = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("light") / "demo"
    demo.run(root, BOT)
    return root


def _parsed(record: dict[str, Any]) -> Any:
    return load_bytes(dump_yaml(record).encode(), "record.yaml").data


def test_a_valid_record_reads_as_the_model_reads_it() -> None:
    data = _parsed(decision_record({"exceptions": [{"id": "exc-1", "sha256": SHA_A, "expires_at": EXPIRES}]}))
    light, model = gate_record.read(data), Decision.model_validate(data)
    assert light is not None
    assert (light.change_id, light.outcome, light.risk.tier, light.risk.score) == (
        model.change_id,
        model.outcome,
        model.risk.tier,
        model.risk.score,
    )
    assert (light.evidence.path, light.evidence.sha256) == (model.evidence.path, model.evidence.sha256)
    assert [(e.id, e.expires_at) for e in light.exceptions] == [
        (e.id, e.expires_at) for e in model.exceptions
    ]


MALFORMED: dict[str, dict[str, Any]] = {
    "unknown outcome": {"outcome": "approvedd"},
    "unknown tier": {"risk.tier": "urgent"},
    "score without decimals": {"risk.score": "55"},
    "score as a number": {"risk.score": 55.25},
    "short evidence sha256": {"evidence.sha256": "abc"},
    "evidence outside evidence/": {"evidence.path": "decisions/x.yaml"},
    "upper-case change id": {"change_id": "Payments"},
    "missing evidence": {"evidence": REMOVE},
    "exception expiry without a zone": {
        "exceptions": [{"id": "exc-1", "sha256": SHA_A, "expires_at": dt.datetime(2027, 1, 1)}]
    },
    "exception without sha256": {"exceptions": [{"id": "exc-1", "expires_at": EXPIRES}]},
    "exceptions not a list": {"exceptions": "exc-1"},
    "condition over the length limit": {"conditions": ["x" * 4001]},
    "empty condition": {"conditions": [""]},
    "another kind": {"kind": "ExceptionDecision"},
    "another api version": {"apiVersion": "cab/v2"},
}


@pytest.mark.parametrize("edits", MALFORMED.values(), ids=MALFORMED)
def test_a_field_the_schema_refuses_is_refused_by_the_light_reading_too(edits: dict[str, Any]) -> None:
    data = _parsed(decision_record(edits))
    with pytest.raises(ValidationError):
        Decision.model_validate(data)
    assert gate_record.read(data) is None


@pytest.mark.parametrize("change_id", ["rfc8785-0.1.2", "payments-api-7.4.2", "edge-proxy-hotfix-r2"])
def test_an_approved_change_is_ok_on_both_paths_with_the_same_words(demo_repo: Path, change_id: str) -> None:
    blobs = GitBlobs.open(demo_repo)
    light = verify_light(blobs, "HEAD", change_id, NOW, BOT)
    assert light is not None
    assert light == verify_change(blobs, "HEAD", change_id, NOW, BOT)


@pytest.mark.parametrize("change_id", ["edge-proxy-hotfix", "no-such-change", "Bad Id"])
def test_anything_but_ok_is_left_to_the_full_path(demo_repo: Path, change_id: str) -> None:
    assert verify_light(GitBlobs.open(demo_repo), "HEAD", change_id, NOW, BOT) is None


def test_an_expired_exception_is_left_to_the_full_path(demo_repo: Path) -> None:
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    blobs = GitBlobs.open(demo_repo)
    assert verify_light(blobs, "HEAD", "edge-proxy-hotfix-r2", later, BOT) is None
    assert not verify_change(blobs, "HEAD", "edge-proxy-hotfix-r2", later, BOT).ok


def _modules_loaded_by_verify(repo: Path, change_id: str, roots: tuple[str, ...]) -> list[object]:
    probe = (
        "import bot.cli, contextlib, io, json, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = bot.cli.main(['verify', {change_id!r}, '--repo', {str(repo)!r}])\n"
        f"print(json.dumps([code, sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[object] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_cab_verify_of_an_approved_change_loads_no_github_client(demo_repo: Path) -> None:
    assert _modules_loaded_by_verify(demo_repo, "rfc8785-0.1.2", ("github", "requests")) == [0, []]


def test_cab_verify_of_an_approved_change_loads_no_pydantic(demo_repo: Path) -> None:
    """The signers policy is read by the light reading too (bot.domain.rules.gate_signers)."""
    assert _modules_loaded_by_verify(demo_repo, "rfc8785-0.1.2", ("pydantic", "pydantic_core")) == [0, []]
