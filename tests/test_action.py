"""`cab action`: every event type reaches the right step; output is a summary plus annotations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.errors import InputError, Problem, UsageError
from bot.services import action

WEBHOOKS = Path(__file__).parent / "fixtures" / "github" / "webhooks"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def webhook(name: str) -> dict:
    return json.loads((WEBHOOKS / name).read_text())


def issue_comment(body: str, *, on_pr: bool = True, action_name: str = "created") -> dict:
    """Shaped like GitHub's issue_comment event (no upstream example is in the fixtures)."""
    issue: dict = {"number": 12, "title": "change"}
    if on_pr:
        issue["pull_request"] = {"url": "https://api.github.com/repos/octo-org/cab/pulls/12"}
    return {"action": action_name, "issue": issue, "comment": {"id": 1, "body": body}}


class StubEngine:
    """Records what the dispatcher asked for, in place of bot.lifecycle."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple] = []
        self.fail = fail

    def sync(self, forge, number, *, now, identity):
        self.calls.append(("sync", number, now, identity.name))
        if self.fail:
            raise self.fail
        return "labelled risk:medium, waiting for CAB approval"

    def expire(self, forge, *, now, identity):
        self.calls.append(("expire", now))
        return "1 exception expires within 7 days"

    def agenda(self, forge, clone, *, now):
        self.calls.append(("agenda", clone, now))
        return "agenda in issue #7, pinned; 2 changes waiting"

    def engine(self) -> action.Engine:
        return action.Engine(sync=self.sync, expire=self.expire, agenda=self.agenda)


# --- plan: event -> steps ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["opened.json", "synchronize.json"])
def test_pull_request_changes_sync_the_pr(name):
    payload = webhook(f"pull_request/{name}")
    assert action.plan("pull_request", payload) == [
        action.Step("sync", payload["number"], f"pull_request.{payload['action']}")
    ]


@pytest.mark.parametrize("name", ["closed.json", "labeled.json"])
def test_pull_request_close_and_label_do_nothing(name):
    # a hand-set risk label is never trusted, so labelling needs no re-sync
    assert action.plan("pull_request", webhook(f"pull_request/{name}")) == []


@pytest.mark.parametrize(
    "name",
    [
        "submitted.approved.json",
        "submitted.changes_requested.json",
        "submitted.commented.json",
        "dismissed.json",
    ],
)
def test_reviews_sync_their_pr(name):
    payload = webhook(f"pull_request_review/{name}")
    (step,) = action.plan("pull_request_review", payload)
    assert (step.kind, step.number) == ("sync", payload["pull_request"]["number"])


def test_a_cab_command_comment_on_a_pr_syncs_it():
    assert action.plan("issue_comment", issue_comment("/cab reject missing rollback")) == [
        action.Step("sync", 12, "issue_comment.created")
    ]


def test_an_edited_command_comment_syncs_too():
    (step,) = action.plan("issue_comment", issue_comment("/cab conditions x", action_name="edited"))
    assert step.number == 12


@pytest.mark.parametrize(
    "payload", [issue_comment("looks good"), issue_comment("/cab reject x", on_pr=False)]
)
def test_other_comments_do_nothing(payload):
    assert action.plan("issue_comment", payload) == []


def test_schedule_runs_the_expiry_sweep_then_publishes_the_agenda():
    assert action.plan("schedule", {"schedule": "17 6 * * *"}) == [
        action.Step("expire", None, "schedule"),
        action.Step("agenda", None, "schedule"),
    ]


def test_workflow_dispatch_without_a_pr_does_not_publish_the_agenda():
    # cab.yml checks out one commit; the agenda needs the history cab-expiry.yml checks out
    assert [s.kind for s in action.plan("workflow_dispatch", {"inputs": {}})] == ["expire"]


def test_workflow_dispatch_with_a_pr_syncs_it():
    assert action.plan("workflow_dispatch", {"inputs": {"pr": "41"}}) == [
        action.Step("sync", 41, "workflow_dispatch")
    ]


def test_workflow_dispatch_without_a_pr_runs_the_expiry_sweep():
    assert action.plan("workflow_dispatch", {"inputs": {}})[0].kind == "expire"


def test_workflow_dispatch_rejects_a_non_number():
    with pytest.raises(UsageError, match="PR number"):
        action.plan("workflow_dispatch", {"inputs": {"pr": "1; rm -rf /"}})


def test_unknown_events_are_a_usage_error():
    with pytest.raises(UsageError, match="push"):
        action.plan("push", webhook("pull_request/opened.json"))


# --- run: environment in, summary and annotations out -----------------------------------------
def environment(tmp_path: Path, name: str, payload: dict) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo-org/cab",
        "GITHUB_TOKEN": "t",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "CAB_BOT_NAME": "github-actions[bot]",
    }


def test_run_passes_pr_clock_and_identity_to_the_engine_and_writes_the_summary(tmp_path):
    stub = StubEngine()
    env = environment(tmp_path, "pull_request", webhook("pull_request/opened.json"))
    code = action.run(
        env, now=NOW, engine=stub.engine(), forge_factory=lambda e: object(), out=lambda s: None
    )
    assert code == 0
    assert stub.calls == [("sync", 2, NOW, "github-actions[bot]")]
    assert "PR #2 (pull_request.opened): labelled risk:medium" in (tmp_path / "summary.md").read_text()


def test_run_on_schedule_calls_the_expiry_step_then_the_agenda_on_the_checkout(tmp_path):
    stub = StubEngine()
    env = environment(tmp_path, "schedule", {"schedule": "17 6 * * *"})
    env["GITHUB_WORKSPACE"] = str(tmp_path / "checkout")
    assert action.run(env, now=NOW, engine=stub.engine(), forge_factory=lambda e: object()) == 0
    assert stub.calls == [("expire", NOW), ("agenda", tmp_path / "checkout", NOW)]
    assert "- agenda (schedule): agenda in issue #7, pinned" in (tmp_path / "summary.md").read_text()


def test_the_agenda_without_a_checkout_fails_the_run_after_the_sweep(tmp_path):
    stub = StubEngine()
    env = environment(tmp_path, "schedule", {"schedule": "17 6 * * *"})
    env.pop("GITHUB_WORKSPACE", None)
    assert action.run(env, now=NOW, engine=stub.engine(), forge_factory=lambda e: object()) == 2
    assert stub.calls == [("expire", NOW)]
    assert "GITHUB_WORKSPACE is unset" in (tmp_path / "summary.md").read_text()


def test_run_for_an_ignored_event_touches_neither_forge_nor_engine(tmp_path):
    env = environment(tmp_path, "pull_request", webhook("pull_request/closed.json"))

    def no_forge(e):
        raise AssertionError("forge built for an ignored event")

    assert action.run(env, now=NOW, forge_factory=no_forge) == 0
    assert "Nothing to do" in (tmp_path / "summary.md").read_text()


def test_invalid_evidence_becomes_annotations_and_exit_2(tmp_path):
    problem = Problem("evidence/2026-11/a,b.yaml", 4, 7, "risk: 100%\nnot allowed")
    stub = StubEngine(fail=InputError([problem]))
    printed: list[str] = []
    env = environment(tmp_path, "pull_request", webhook("pull_request/opened.json"))
    code = action.run(
        env, now=NOW, engine=stub.engine(), forge_factory=lambda e: object(), out=printed.append
    )
    assert code == 2
    assert printed == ["::error file=evidence/2026-11/a%2Cb.yaml,line=4,col=7::risk: 100%25%0Anot allowed"]


def test_annotation_escapes_colons_in_properties_only():
    line = action.annotation(Problem("C:/x.yaml", 1, 2, "a: b"))
    assert line == "::error file=C%3A/x.yaml,line=1,col=2::a: b"


def test_cab_action_outside_actions_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    assert main(["action"]) == 2
    assert "GITHUB_EVENT_NAME" in capsys.readouterr().err


def test_missing_engine_is_a_clear_error(monkeypatch):
    def missing(name):
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(action.importlib, "import_module", missing)
    with pytest.raises(action.CabError, match="lifecycle engine is not available"):
        action.load_engine()


def test_a_relayed_review_syncs_its_pr():
    payload = {
        "action": "completed",
        "workflow_run": {"event": "pull_request_review", "pull_requests": [{"number": 9}]},
    }
    assert action.plan("workflow_run", payload) == [
        action.Step("sync", 9, "workflow_run.pull_request_review")
    ]


def test_a_relayed_run_without_a_pr_does_nothing():
    assert action.plan("workflow_run", {"action": "completed", "workflow_run": {"pull_requests": []}}) == []
