"""`cab audit --online`: cross-check the recorded reviews and teams with the GitHub API.

Offline, the audit proves that every record agrees with git: the approvals satisfy the rules as
recorded. It cannot tell whether review 1234 really exists, really approved, really came from that
account and really was on that commit, or whether `org/cab` is still the team it was. Online, each
decision's approvals are compared with what GitHub says now:

- the PR's reviews, one paginated list call per decision (never one call per review);
- each team once per audit (`GET /orgs/{org}/teams/{slug}` and its members), however many
  decisions name it;
- the audited branch's rules once (`GET /repos/{o}/{r}/rules/branches/{branch}`): without
  "require approval of the most recent reviewable push" GitHub does not stop a pusher approving
  their own push; the bot checks pushers at the PR from the activity list, but records do not
  keep them (a note, `online.last-push-approval-off`: the bot's record commit rules that setting out).

Current membership cannot prove historical membership, and the record keeps the membership at
decision time (`team_members`, already checked offline). So an approver who has since left the team
is a `Note` for the reader, never a finding. What GitHub contradicts is a finding.

Three parts: `recorded_decisions` (reads an ObjectStore, like the auditor) and `compare` (recorded
approvals + fetched facts -> findings and notes) are pure; `GitHubFacts` is the adapter that fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import github
import requests
from github import Auth
from github.GithubException import GithubException

from bot.adapters.forge.github_client import DEFAULT_API_URL, PER_PAGE, auth_from_env
from bot.adapters.forge.github_client import error_message as _message
from bot.adapters.forge.github_client import next_link as _next_link
from bot.adapters.forge.interface import ForgeError
from bot.adapters.forge.retry import TIMEOUT, ForgeRetry
from bot.domain.errors import UsageError
from bot.domain.findings import Finding
from bot.domain.git_objects import LogEntry, ObjectStore
from bot.domain.models.decision import Approval
from bot.services.audit.closed_pulls import MergedPull, merged_records

NOTES: dict[str, str] = {
    "online.not-member-now": (
        "the approver is no longer a member of the team; the record keeps the membership at decision time"
    ),
    "online.login-renamed": "the reviewer's account has been renamed since the decision",
    "online.last-push-approval-off": (
        "no rule on the branch requires approval of the most recent reviewable push (the bot's record "
        "commit rules that setting out, docs/github-setup.md): only the bot's check of pushers at the "
        "pull request stops a pusher approving, and records do not keep the pushers"
    ),
}


@dataclass(frozen=True)
class Note:
    """Information for the reader that is not a finding: it does not change the exit code."""

    kind: str
    commit: str
    path: str | None
    message: str

    def __post_init__(self) -> None:
        if self.kind not in NOTES:
            raise ValueError(f"unknown audit note {self.kind!r}")

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "commit": self.commit, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class RecordedDecision:
    """The approvals of one decision record added by a first-parent merge."""

    commit: str
    path: str
    pull_request: int | None
    approvals: tuple[Approval, ...]


@dataclass(frozen=True)
class ReviewFact:
    id: int
    user_id: int
    login: str
    state: str
    commit_id: str


@dataclass(frozen=True)
class TeamFact:
    slug: str
    id: int
    member_ids: frozenset[int]


@dataclass
class OnlineResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class Facts(Protocol):
    """What GitHub says now; `GitHubFacts` asks the API."""

    def reviews(self, number: int) -> Mapping[int, ReviewFact] | None:
        """Every review of PR `number` by id; None if there is no such PR."""
        ...

    def team(self, slug: str) -> TeamFact | None:
        """The team `org/slug` and its members; None if it does not exist (or cannot be seen)."""
        ...

    def last_push_approval(self, branch: str) -> bool:
        """Whether a ruleset rule on `branch` requires approval of the most recent reviewable push."""
        ...

    def closed_pulls(self) -> Iterator[MergedPull]:
        """Every closed pull request of the repository, every page."""
        ...


# -- pure -------------------------------------------------------------------------------------


def recorded_decisions(entries: Iterable[LogEntry], store: ObjectStore) -> Iterator[RecordedDecision]:
    """Decisions with approvals, newest first, as first-parent merges add them.

    A record that cannot be read is skipped here: the offline audit reports it (`record.unparseable`).
    """
    for commit, path, record in merged_records(entries, store):
        if record is not None and record.approvals:
            number = record.pull_request.number if record.pull_request else None
            yield RecordedDecision(commit, path, number, tuple(record.approvals))


def compare(
    decision: RecordedDecision,
    reviews: Mapping[int, ReviewFact] | None,
    teams: Mapping[str, TeamFact | None],
) -> OnlineResult:
    """Findings and notes for one decision. `reviews` is None when GitHub has no such PR;
    `teams` holds every team the approvals name (by lower-case `org/slug`)."""
    out = OnlineResult()

    def find(rule: str, message: str) -> None:
        out.findings.append(Finding(rule, decision.commit, decision.path, message))

    def note(kind: str, message: str) -> None:
        out.notes.append(Note(kind, decision.commit, decision.path, message))

    number = decision.pull_request
    if number is not None and reviews is None:
        find("online.pull-request-missing", f"GitHub has no pull request #{number} in this repository")
    seen_teams: set[str] = set()
    for approval in decision.approvals:
        who = f"{approval.login} (id {approval.user_id})"
        if number is not None and reviews is not None:
            review = reviews.get(approval.review_id)
            if review is None:
                find("online.review-missing", f"review {approval.review_id} by {who} is not on PR #{number}")
            else:
                if review.user_id != approval.user_id:
                    find(
                        "online.review-other-user",
                        f"review {review.id} is by {review.login} (id {review.user_id}), not {who}",
                    )
                elif review.login != approval.login:
                    note("online.login-renamed", f"{who} is now called {review.login}")
                if review.state != "APPROVED":
                    find("online.review-not-approved", f"review {review.id} by {who} is {review.state}")
                if review.commit_id != approval.reviewed_sha:
                    find(
                        "online.review-other-commit",
                        f"review {review.id} by {who} is on {review.commit_id}, "
                        f"the record says {approval.reviewed_sha}",
                    )
        slug = approval.team.lower()
        team = teams[slug]
        if team is None:
            if slug not in seen_teams:
                find("online.team-missing", f"team {slug} does not exist (or the token cannot see it)")
        elif approval.team_id is not None and team.id != approval.team_id:
            if slug not in seen_teams:
                message = f"team {slug} is now id {team.id}, the record says {approval.team_id}"
                find("online.team-id-changed", message)
        elif approval.user_id not in team.member_ids:
            note("online.not-member-now", f"{who} is no longer in {slug}")
        seen_teams.add(slug)
    return out


def last_push_notes(facts: Facts, branch: str | None, head: str) -> list[Note]:
    """What the audit cannot re-check: who pushed. GitHub's ruleset setting "require approval of
    the most recent reviewable push" would stop a pusher approving their own push, but the bot's
    own record commit is then that push and GitHub refuses the merge, so the setup keeps it off
    (docs/github-setup.md); the bot checks pushers at the PR, and the audit says what is left
    unchecked afterwards. A note, not a finding."""
    kind = "online.last-push-approval-off"
    if branch is None:
        return [
            Note(kind, head, None, "cannot tell which branch to check (detached HEAD); pass --ref BRANCH")
        ]
    if facts.last_push_approval(branch):
        return []
    return [
        Note(kind, head, None, f"no rule on {branch} requires approval of the most recent reviewable push")
    ]


def cross_check(entries: Iterable[LogEntry], store: ObjectStore, facts: Facts) -> OnlineResult:
    """Every decision in `entries` (newest first) against `facts`; results oldest decision first.

    Each team is asked for once per audit, each PR's reviews once per decision.
    """
    teams: dict[str, TeamFact | None] = {}
    per_decision: list[OnlineResult] = []
    for decision in recorded_decisions(entries, store):
        reviews = facts.reviews(decision.pull_request) if decision.pull_request is not None else {}
        for slug in dict.fromkeys(a.team.lower() for a in decision.approvals):
            if slug not in teams:
                teams[slug] = facts.team(slug)
        per_decision.append(compare(decision, reviews, teams))
    out = OnlineResult()
    for result in reversed(per_decision):
        out.findings += result.findings
        out.notes += result.notes
    return out


# -- the adapter ------------------------------------------------------------------------------


class GitHubFacts:
    """`Facts` from the GitHub REST API, through PyGithub's authenticated, retrying requester.

    Faults are retried by `ForgeRetry`; what still fails is a `ForgeError` (exit 3), except the
    404s that are answers: no such PR, no such team.
    """

    def __init__(
        self,
        repository: str,
        *,
        auth: Auth.Auth,
        base_url: str = DEFAULT_API_URL,
        retry: ForgeRetry | None = None,
        timeout: int = TIMEOUT,
    ) -> None:
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise UsageError(f"cab audit --online: the repository must be OWNER/NAME, got {repository!r}")
        self.repository = repository
        self._repo = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        gh = github.Github(
            auth=auth,
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            retry=retry or ForgeRetry(),
            per_page=PER_PAGE,
            seconds_between_requests=None,  # reads only, one at a time; ForgeRetry handles rate limits
            seconds_between_writes=None,
        )
        self._requester = gh.requester

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], repository: str | None = None, **kwargs: Any
    ) -> GitHubFacts:
        """`repository` (else `GITHUB_REPOSITORY`), credentials as `auth_from_env`, `GITHUB_API_URL`."""
        repository = repository or environ.get("GITHUB_REPOSITORY")
        if not repository:
            raise UsageError(
                "cab audit --online: no GitHub repository; set GITHUB_REPOSITORY or pass --github OWNER/NAME"
            )
        try:
            auth = auth_from_env(environ)
        except UsageError as exc:
            raise UsageError(f"cab audit --online: {exc}") from None
        return cls(repository, auth=auth, base_url=environ.get("GITHUB_API_URL", DEFAULT_API_URL), **kwargs)

    def _get(self, url: str, doing: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        try:
            return self._requester.requestJsonAndCheck("GET", url, parameters=params)
        except GithubException as exc:
            if exc.status == 401:
                raise ForgeError(
                    f"cab audit --online: GitHub rejected the credentials (401 {_message(exc)}) while trying "
                    f"to {doing}; check GITHUB_TOKEN"
                ) from None
            raise ForgeError(
                f"cab audit --online: GitHub refused to {doing}: {exc.status} {_message(exc)}"
            ) from exc
        except requests.RequestException as exc:
            raise ForgeError(f"cab audit --online: could not reach GitHub to {doing}: {exc}") from None

    def _pages(self, url: str, doing: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following `Link: rel="next"` to the end."""
        query: dict[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        next_url: str | None = url
        while next_url:
            headers, data = self._get(next_url, doing, query)
            yield from data
            query = None  # the next link carries the query
            next_url = _next_link(headers)

    def check_access(self) -> None:
        """One cheap call that fails clearly when the token cannot read the repository's PRs."""
        doing = f"list the pull requests of {self.repository}"
        try:
            self._get(f"{self._repo}/pulls", doing, {"state": "all", "per_page": 1})
        except ForgeError as exc:
            if isinstance(exc.__cause__, GithubException) and exc.__cause__.status in (403, 404):
                raise ForgeError(
                    f"{exc} (does {self.repository} exist, and may the token read its pull requests?)"
                ) from None
            raise

    def closed_pulls(self) -> Iterator[MergedPull]:
        """`GET /pulls?state=closed`, every page (`Link: rel="next"`)."""
        doing = f"list the closed pull requests of {self.repository}"
        for item in self._pages(f"{self._repo}/pulls", doing, {"state": "closed"}):
            yield MergedPull(
                number=int(item["number"]),
                title=str(item.get("title") or ""),
                base=str((item.get("base") or {}).get("ref") or ""),
                merged=item.get("merged_at") is not None,
                merge_commit_sha=item.get("merge_commit_sha"),
            )

    def reviews(self, number: int) -> dict[int, ReviewFact] | None:
        try:
            items = list(self._pages(f"{self._repo}/pulls/{number}/reviews", f"list reviews of PR #{number}"))
        except ForgeError as exc:
            if isinstance(exc.__cause__, GithubException) and exc.__cause__.status == 404:
                return None
            raise
        out: dict[int, ReviewFact] = {}
        for item in items:
            user = item.get("user") or {}
            out[int(item["id"])] = ReviewFact(
                id=int(item["id"]),
                user_id=int(user.get("id") or 0),
                login=str(user.get("login") or "(deleted account)"),
                state=str(item["state"]),
                commit_id=str(item.get("commit_id") or ""),
            )
        return out

    def last_push_approval(self, branch: str) -> bool:
        """`GET /repos/{o}/{r}/rules/branches/{branch}`: every active rule that applies to the branch
        (repository and organization rulesets alike), readable with the repository's read access."""
        url = f"{self._repo}/rules/branches/{quote(branch, safe='')}"
        rules = self._pages(url, f"read the rules of branch {branch}")
        return any(
            item.get("type") == "pull_request"
            and bool((item.get("parameters") or {}).get("require_last_push_approval"))
            for item in rules
        )

    def team(self, slug: str) -> TeamFact | None:
        org, _, name = slug.partition("/")
        base = f"/orgs/{quote(org, safe='')}/teams/{quote(name, safe='')}"
        try:
            _, data = self._get(base, f"read team {slug}")
        except ForgeError as exc:
            status = exc.__cause__.status if isinstance(exc.__cause__, GithubException) else None
            if status == 404:
                return None
            if status == 403:
                raise ForgeError(
                    f"{exc} (reading teams needs a token with read:org, or an App with Members read access; "
                    "Actions' GITHUB_TOKEN cannot)"
                ) from None
            raise
        members = frozenset(
            int(item["id"]) for item in self._pages(f"{base}/members", f"list members of team {slug}")
        )
        return TeamFact(slug=slug, id=int(data["id"]), member_ids=members)
