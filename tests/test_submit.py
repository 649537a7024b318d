"""`cab submit`: branch, commit and PR, idempotent on re-run and after a crash at any call."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from bot.cli import main
from bot.services.submit import submit
from tests import github_fake as gf

PACK = (
    Path(__file__).parents[1]
    / "bot"
    / "data"
    / "examples"
    / "evidence"
    / "2026-11"
    / "payments-api-7.4.2.yaml"
)
PATH = "evidence/2026-11/payments-api-7.4.2.yaml"


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = gf.FakeGitHub(rsps)
        fake.refs["main"] = fake.commit_tree({"README.md": b"cab\n"}, [])
        yield fake


def test_submit_opens_a_pr_with_the_pack_on_its_own_branch(fake):
    done = submit(gf.make_forge(), PACK)
    assert (done.branch, done.path) == ("cab/payments-api-7.4.2", PATH)
    assert fake._files(fake.refs[done.branch])[PATH] == PACK.read_bytes()
    assert fake.prs[done.number]["branch"] == done.branch


def test_submit_again_changes_nothing(fake):
    first = submit(gf.make_forge(), PACK)
    writes = fake.writes()
    again = submit(gf.make_forge(), PACK)
    assert again == first
    assert fake.writes() == writes


@pytest.mark.parametrize("crash_at", range(1, 8))  # a first submit makes 7 calls
def test_submit_after_a_crash_converges_to_one_branch_commit_and_pr(fake, crash_at):
    fake.crash_before(crash_at)
    with pytest.raises(gf.Crash):
        submit(gf.make_forge(), PACK)
    done = submit(gf.make_forge(), PACK)
    assert list(fake.prs) == [done.number]
    assert fake._files(done.head)[PATH] == PACK.read_bytes()
    assert fake.commits[done.head][1] == [fake.refs["main"]]


def test_submit_rejects_an_invalid_pack_before_any_call(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: cab/v1\nkind: EvidencePack\nchange_id: x\n")
    assert main(["submit", str(bad), "--repo", "octo-org/cab"]) == 2
    assert "bad.yaml:" in capsys.readouterr().err


def test_submit_without_credentials_is_a_usage_error(monkeypatch, capsys):
    for name in ("GITHUB_TOKEN", "CAB_APP_ID", "CAB_APP_PRIVATE_KEY", "CAB_APP_INSTALLATION_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["submit", str(PACK), "--repo", "octo-org/cab"]) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_a_first_submit_makes_seven_calls(fake):
    """Keeps the crash test above covering every call of a first submit."""
    submit(gf.make_forge(), PACK)
    assert len(fake.log) == 7
