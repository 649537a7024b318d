"""`cab action`: turn a GitHub Actions event into one lifecycle step, then report it.

Which step an event needs is decided by `plan` (pure: event name and payload in, steps out). The
steps themselves live in the lifecycle engine (`bot.services.sync.sync`, `bot.services.expiry_sweep`,
`bot.services.agenda_issue`),
imported only when an event needs them, and passed in as an `Engine` so tests drive the dispatch
with a stub. Output for humans goes to the job summary (`GITHUB_STEP_SUMMARY`) and, for invalid
documents, to `::error file=…,line=…,col=…::` annotations that GitHub shows on the PR's Files tab.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from bot.adapters.environment import action_identity
from bot.adapters.forge.interface import Forge
from bot.domain.errors import CabError, InputError, Problem, UsageError
from bot.domain.identity import BotIdentity

PR_ACTIONS = frozenset({"opened", "synchronize", "reopened", "edited", "ready_for_review"})
REVIEW_ACTIONS = frozenset({"submitted", "edited", "dismissed"})
COMMENT_ACTIONS = frozenset({"created", "edited"})
COMMAND_PREFIX = "/cab"


@dataclass(frozen=True)
class Step:
    """One thing to do: re-sync a PR, run the scheduled expiry sweep, or publish the agenda."""

    kind: Literal["sync", "expire", "queue", "agenda"]
    number: int | None = None
    why: str = ""
    # a PR known only by its head (owner of the fork, branch, sha): a relayed review of a fork's PR,
    # for which GitHub leaves `workflow_run.pull_requests` empty
    head: tuple[str, str, str] | None = None
    group: tuple[str, str] | None = None  # "queue": the merge group's head and base commits


@runtime_checkable
class FindsPullRequests(Protocol):
    def open_pull_request_at(self, head_owner: str, head_branch: str, head_sha: str) -> int | None: ...


class SyncStep(Protocol):
    def __call__(self, forge: Forge, number: int, *, now: dt.datetime, identity: BotIdentity) -> Any: ...


class ExpireStep(Protocol):
    def __call__(self, forge: Forge, *, now: dt.datetime, identity: BotIdentity) -> Any: ...


class QueueStep(Protocol):
    def __call__(self, forge: Forge, head: str, base: str) -> Any: ...


class AgendaStep(Protocol):
    def __call__(self, forge: Forge, clone: Path, *, now: dt.datetime) -> Any: ...


class CatchUpStep(Protocol):
    def __call__(
        self, forge: Forge, sync: SyncStep, *, done: Sequence[int], now: dt.datetime, identity: BotIdentity
    ) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Engine:
    sync: SyncStep
    expire: ExpireStep
    catch_up: CatchUpStep | None = None  # after a PR's sync, the open PRs whose runs were cancelled
    queue: QueueStep | None = None  # the check on a merge queue's group
    agenda: AgendaStep | None = None  # the pinned agenda issue, from the job's checkout


def load_engine() -> Engine:
    """The real lifecycle engine, imported on first use so `cab` works without it installed."""
    try:
        engine = importlib.import_module("bot.services.sync")
        expiry = importlib.import_module("bot.services.expiry_sweep")
        catching_up = importlib.import_module("bot.services.catch_up")
        queue = importlib.import_module("bot.services.merge_queue")
        agenda = importlib.import_module("bot.services.agenda_issue")
    except ImportError as exc:
        raise CabError(f"the lifecycle engine is not available in this build of cab: {exc}") from exc
    return Engine(
        sync=engine.sync,
        expire=expiry.run,
        catch_up=catching_up.catch_up,
        queue=queue.check,
        agenda=agenda.publish,
    )


def plan(event_name: str, payload: Mapping[str, Any]) -> list[Step]:
    """The steps an event calls for; an empty list means "nothing to do for this event"."""
    action = str(payload.get("action", ""))
    if event_name in ("pull_request", "pull_request_target"):
        if action not in PR_ACTIONS:
            return []
        return [Step("sync", _number(payload.get("pull_request")), f"pull_request.{action}")]
    if event_name == "pull_request_review":
        if action not in REVIEW_ACTIONS:
            return []
        return [Step("sync", _number(payload.get("pull_request")), f"pull_request_review.{action}")]
    if event_name == "issue_comment":
        issue = payload.get("issue") or {}
        body = str((payload.get("comment") or {}).get("body") or "")
        if action not in COMMENT_ACTIONS or not issue.get("pull_request"):
            return []
        if not body.lstrip().startswith(COMMAND_PREFIX):
            return []
        return [Step("sync", _number(issue), f"issue_comment.{action}")]
    if event_name == "workflow_run":  # relayed review: see .github/workflows/cab-review-relay.yml
        run = payload.get("workflow_run") or {}
        prs = run.get("pull_requests") or []
        why = f"workflow_run.{run.get('event', 'review')}"
        if action != "completed":
            return []
        if prs:
            return [Step("sync", _number(prs[0]), why)]
        head = _head_of(run)
        return [Step("sync", None, why, head=head)] if head else []
    if event_name == "merge_group":  # GitHub's merge queue asks for the required checks
        group = payload.get("merge_group") or {}
        group_head, group_base = group.get("head_sha"), group.get("base_sha")
        if action != "checks_requested":
            return []
        if not (isinstance(group_head, str) and isinstance(group_base, str)):
            raise UsageError("the merge_group payload has no head_sha and base_sha")
        return [Step("queue", None, "merge_group.checks_requested", group=(group_head, group_base))]
    if event_name == "schedule":  # .github/workflows/cab-expiry.yml, with the whole history checked out
        return [Step("expire", None, "schedule"), Step("agenda", None, "schedule")]
    if event_name == "workflow_dispatch":
        wanted = str((payload.get("inputs") or {}).get("pr") or "").strip()
        if wanted:
            if not wanted.isdigit():
                raise UsageError(f"workflow_dispatch input pr must be a PR number, got {wanted!r}")
            return [Step("sync", int(wanted), "workflow_dispatch")]
        return [Step("expire", None, "workflow_dispatch")]
    raise UsageError(f"cab action does not handle the {event_name!r} event")


def _head_of(run: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """Owner, branch and sha of the commit a relayed run ran on, when the payload has all three."""
    owner = ((run.get("head_repository") or {}).get("owner") or {}).get("login")
    branch, sha = run.get("head_branch"), run.get("head_sha")
    if all(isinstance(v, str) and v for v in (owner, branch, sha)):
        return (str(owner), str(branch), str(sha))
    return None


def _number(item: Any) -> int:
    if not isinstance(item, Mapping) or not isinstance(item.get("number"), int):
        raise UsageError("the event payload has no pull request number")
    return int(item["number"])


# --- workflow commands (https://docs.github.com/actions/reference/workflow-commands) -----------
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem) -> str:
    """An `::error` line that GitHub pins to the file, line and column of the problem."""
    return (
        f"::error file={_escape_property(problem.source)},line={problem.line},col={problem.column}"
        f"::{_escape_data(problem.message)}"
    )


@dataclass
class Report:
    """What the run did, for the job summary and the exit code."""

    lines: list[str] = field(default_factory=list)
    annotations: list[str] = field(default_factory=list)
    exit_code: int = 0

    def summary(self) -> str:
        return "## CAB Bot\n\n" + "\n".join(self.lines) + "\n"


def execute(
    steps: Sequence[Step],
    forge: Forge,
    engine: Engine,
    *,
    now: dt.datetime,
    identity: BotIdentity,
    workspace: Path | None = None,
) -> Report:
    """`workspace`: the job's checkout of the default branch (`GITHUB_WORKSPACE`), for the agenda."""
    report = Report()
    if not steps:
        report.lines.append("Nothing to do for this event.")
    synced: list[int] = []
    swept = False  # a scheduled run re-syncs every open PR: a change a freeze held merges after it
    for step in steps:
        try:
            if step.kind == "sync":
                number = step.number if step.number is not None else _find(forge, step)
                if number is None:
                    owner, branch, sha = step.head or ("?", "?", "?")
                    report.lines.append(
                        f"- {step.why}: no open pull request from {owner}:{branch} at {sha[:7]}; "
                        "nothing to do (a newer push syncs the PR by its own event)"
                    )
                    continue
                synced.append(number)
                result = engine.sync(forge, number, now=now, identity=identity)
                report.lines.append(f"- PR #{number} ({step.why}): {_describe(result)}")
            elif step.kind == "queue":
                if engine.queue is None or step.group is None:
                    raise CabError("this build of cab cannot check merge queue groups")
                result = engine.queue(forge, *step.group)
                report.lines.append(f"- merge group {step.group[0][:12]} ({step.why}): {_describe(result)}")
                report.exit_code = max(report.exit_code, 0 if result.ok else 1)
            elif step.kind == "agenda":
                if engine.agenda is None:
                    raise CabError("this build of cab cannot publish the agenda")
                if workspace is None:
                    raise CabError("the agenda needs the job's checkout, and GITHUB_WORKSPACE is unset")
                result = engine.agenda(forge, workspace, now=now)
                report.lines.append(f"- agenda ({step.why}): {_describe(result)}")
            else:
                result = engine.expire(forge, now=now, identity=identity)
                swept = True
                report.lines.append(f"- expiry sweep ({step.why}): {_describe(result)}")
        except InputError as exc:
            report.annotations += [annotation(p) for p in exc.problems]
            report.lines += [f"- invalid input: `{p}`" for p in exc.problems]
            report.exit_code = max(report.exit_code, exc.exit_code)
        except CabError as exc:
            report.lines.append(f"- failed: {exc.diagnostics()}")
            report.exit_code = max(report.exit_code, exc.exit_code)
    if (synced or swept) and engine.catch_up is not None:
        try:
            for caught in engine.catch_up(forge, engine.sync, done=synced, now=now, identity=identity):
                what = _describe(caught.result) if caught.error is None else f"failed: {caught.error}"
                report.lines.append(f"- PR #{caught.number} (catching up): {what}")
        except CabError as exc:  # the event's own PR is done; the next run catches up instead
            report.lines.append(f"- catching up failed: {exc.diagnostics()}")
    return report


def _find(forge: Forge, step: Step) -> int | None:
    if step.head is None:
        return None
    if not isinstance(forge, FindsPullRequests):
        raise CabError("this forge cannot find a pull request by its head commit")
    return forge.open_pull_request_at(*step.head)


def _describe(result: Any) -> str:
    for name in ("summary", "markdown", "describe"):
        value = getattr(result, name, None)
        if callable(value):
            value = value()
        if isinstance(value, str) and value:
            return value
    return str(result)


def run(
    environ: Mapping[str, str],
    *,
    now: dt.datetime,
    engine: Engine | None = None,
    forge_factory: Callable[[Mapping[str, str]], Forge] | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Read the Actions environment, run the planned steps, write the summary; returns the exit code."""
    event_name = environ.get("GITHUB_EVENT_NAME")
    event_path = environ.get("GITHUB_EVENT_PATH")
    if not event_name or not event_path:
        raise UsageError(
            "cab action runs inside GitHub Actions: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are unset"
        )
    try:
        payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event payload {event_path}: {exc}") from exc
    if not isinstance(payload, dict):
        raise UsageError(f"{event_path}: the event payload is not a JSON object")
    steps = plan(event_name, payload)
    identity = action_identity(dict(environ))
    if steps:
        if forge_factory is None:
            from bot.adapters.forge.github import GitHubForge

            forge_factory = GitHubForge.from_env
        forge = forge_factory(environ)
        workspace = Path(environ["GITHUB_WORKSPACE"]) if environ.get("GITHUB_WORKSPACE") else None
        report = execute(
            steps, forge, engine or load_engine(), now=now, identity=identity, workspace=workspace
        )
    else:
        report = execute(steps, _NoForge(), _NO_ENGINE, now=now, identity=identity)
    for line in report.annotations:
        out(line)
    summary_path = environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(report.summary())
    else:
        out(report.summary())
    return report.exit_code


class _NoForge:
    """Stands in when an event needs no step: touching it is a bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no step was planned, yet the forge was asked for {name}")


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("no step was planned")


_NO_ENGINE = Engine(sync=_never, expire=_never)
