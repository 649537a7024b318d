"""`cab show`'s fast path (bot.services.show_light): a record the bot's signed decision merge wrote
prints as its own bytes, without pydantic, exactly as the full path renders it; anything it cannot
prove the bot's is left to the full path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.git.blobs import GitBlobs
from bot.domain.identity import BotIdentity
from bot.domain.layout import classify
from bot.domain.rules import records
from bot.services import demo
from bot.services.queries import find_record
from bot.services.show_light import shown

BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("show") / "demo"
    demo.run(root, BOT)
    return root


def change_ids(root: Path) -> list[str]:
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "decisions"], capture_output=True, text=True)
    kinds = [classify(path) for path in listed.stdout.split()]
    return sorted(g.id for g in kinds if g is not None and g.kind == "Decision")


def full(root: Path, change_id: str) -> tuple[str, str]:
    path, record = find_record(GitBlobs.open(root), "HEAD", change_id)
    return path, records.render(record).decode("utf-8")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_every_change_record_the_demo_decided_prints_as_the_full_path_renders_it(demo_repo: Path) -> None:
    ids = change_ids(demo_repo)
    assert len(ids) >= 7
    for change_id in ids:
        assert shown(GitBlobs.open(demo_repo), "HEAD", change_id, BOT) == full(demo_repo, change_id), (
            change_id
        )


def test_the_fast_path_loads_no_pydantic(demo_repo: Path) -> None:
    probe = (
        "import contextlib, io, json, sys\nimport bot.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = bot.cli.main(['show', 'payments-api-7.4.2', '--repo', {str(demo_repo)!r}])\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('pydantic'))]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [0, []]


def test_a_record_edited_after_its_decision_is_left_to_the_full_path(demo_repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "edited"
    shutil.copytree(demo_repo, root)
    record = root / "decisions/medium/2026-11/payments-api-7.4.2.yaml"
    record.write_text(
        record.read_text().replace("rationale: approved by @bob-cab", "rationale: approved by all")
    )
    git(root, "commit", "-qam", "reword", "--no-verify", "--no-gpg-sign")
    assert shown(GitBlobs.open(root), "HEAD", "payments-api-7.4.2", BOT) is None
    assert "rationale: approved by all" in full(root, "payments-api-7.4.2")[1]


def test_a_record_on_a_branch_the_bot_did_not_merge_is_left_to_the_full_path(
    demo_repo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "branch"
    shutil.copytree(demo_repo, root)
    source = root / "decisions/medium/2026-11/payments-api-7.4.2.yaml"
    copy = root / "decisions/medium/2026-11/payments-api-9.9.9.yaml"
    copy.write_text(source.read_text().replace("payments-api-7.4.2", "payments-api-9.9.9"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a record nobody decided", "--no-verify", "--no-gpg-sign")
    assert shown(GitBlobs.open(root), "HEAD", "payments-api-9.9.9", BOT) is None


def test_an_exception_decision_is_left_to_the_full_path(demo_repo: Path) -> None:
    assert shown(GitBlobs.open(demo_repo), "HEAD", "edge-proxy-nghttp2", BOT) is None


def test_another_bot_identity_is_left_to_the_full_path(demo_repo: Path) -> None:
    other = BotIdentity("someone", "someone@example.com")
    assert shown(GitBlobs.open(demo_repo), "HEAD", "payments-api-7.4.2", other) is None
