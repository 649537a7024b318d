"""GitHub writes: the risk label, the bot's comment, the decision status, record commits, the
merge, the expiry issue, and the branch and PR `cab submit` opens.

Every write first compares with what is there (what the run has read, kept in `GitHubReads`), so
a run repeated after a crash converges: nothing is posted twice, a lost answer is looked up again.
The record commit is one GraphQL `createCommitOnBranch`, which GitHub applies only at the expected
head; everything else is REST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

import requests
from github.GithubException import GithubException

from bot.adapters.forge import github_graphql as gql
from bot.adapters.forge.github_client import GitHubClient, error_message, graphql_error_message
from bot.adapters.forge.github_reads import GitHubReads, NoSuchCommit
from bot.adapters.forge.interface import ForgeError, HeadMovedError

ISSUE_LABEL = "cab-expiry"
STATUS_CONTEXT = "cab/decision"


class GitHubWrites:
    """The Forge's writes on GitHub, over the reads of the same run."""

    def __init__(self, client: GitHubClient, reads: GitHubReads, *, bot_login: str | None) -> None:
        self.client = client
        self.reads = reads
        self.bot_login = bot_login
        self._created: set[str] = set()  # commits this run created

    def set_risk_label(self, number: int, label: str) -> None:
        data = self.reads.pr_data(number)
        labels = [str(item["name"]) for item in data.get("labels", [])]
        issue = f"{self.client.repo}/issues/{number}/labels"
        for other in labels:
            if other.startswith("risk:") and other != label:
                try:
                    self.client.request("DELETE", f"{issue}/{quote(other, safe='')}")
                except GithubException as exc:
                    if exc.status != 404:  # already gone: a re-run after a crash
                        raise ForgeError(
                            f"GitHub refused to remove label {other}: {error_message(exc)}"
                        ) from exc
        if label not in labels:
            self.client.call("POST", issue, f"label PR #{number}", body={"labels": [label]})
        kept = [item for item in data.get("labels", []) if not str(item["name"]).startswith("risk:")]
        data["labels"] = [*kept, {"name": label}]

    def _is_mine(self, item: Mapping[str, Any]) -> bool:
        user = item.get("user") or {}
        if self.bot_login is not None:
            return bool(user.get("login") == self.bot_login)
        return bool(user.get("type") == "Bot")

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        text = body if marker in body else f"{body}\n\n{marker}"
        comments = self.reads.raw_comments(number)
        mine = [c for c in comments if marker in str(c.get("body") or "") and self._is_mine(c)]
        if not mine:
            _, created = self.client.call(
                "POST",
                f"{self.client.repo}/issues/{number}/comments",
                f"comment on PR #{number}",
                body={"body": text},
            )
            comments.append(created)
            return
        keep, *extra = sorted(mine, key=lambda c: int(c["id"]))
        for duplicate in extra:  # left by an earlier race; the oldest one stays
            try:
                self.client.request("DELETE", f"{self.client.repo}/issues/comments/{duplicate['id']}")
            except GithubException as exc:
                if exc.status != 404:
                    raise ForgeError(f"GitHub refused to delete comment {duplicate['id']}") from exc
            comments.remove(duplicate)
        if keep.get("body") != text:
            _, edited = self.client.call(
                "PATCH",
                f"{self.client.repo}/issues/comments/{keep['id']}",
                "edit the CAB comment",
                body={"body": text},
            )
            keep.update(edited)

    def upsert_issue(self, marker: str, title: str, body: str, *, label: str = ISSUE_LABEL) -> int:
        text = body if marker in body else f"{body}\n\n{marker}"
        params = {"state": "open", "labels": label}
        for item in self.client.pages(f"{self.client.repo}/issues", "list CAB issues", params):
            if marker in str(item.get("body") or "") and self._is_mine(item) and "pull_request" not in item:
                if (item.get("title"), item.get("body")) != (title, text):
                    self.client.call(
                        "PATCH",
                        f"{self.client.repo}/issues/{item['number']}",
                        "edit the CAB issue",
                        body={"title": title, "body": text},
                    )
                return int(item["number"])
        _, created = self.client.call(
            "POST",
            f"{self.client.repo}/issues",
            "open the CAB issue",
            body={"title": title, "body": text, "labels": [label]},
        )
        return int(created["number"])

    def pin_issue(self, number: int) -> None:
        """GraphQL `pinIssue` (REST has no pin endpoint), only when the issue is not pinned yet: a
        re-run asks and changes nothing. GitHub pins at most three issues per repository; a refusal
        is a ForgeError saying so."""
        owner, name = self.client.repository.split("/")
        doing = f"read whether issue #{number} is pinned"
        data, errors = self.client.graphql(
            gql.ISSUE_PINNED, {"owner": owner, "name": name, "number": number}, doing
        )
        issue = (data.get("repository") or {}).get("issue")
        if errors or not issue:
            raise ForgeError(f"GitHub refused to {doing}: {graphql_error_message(errors) or 'no such issue'}")
        if issue.get("isPinned"):
            return
        doing = f"pin issue #{number}"
        data, errors = self.client.graphql(gql.PIN_ISSUE, {"issueId": issue["id"]}, doing)
        if errors or not ((data.get("pinIssue") or {}).get("issue") or {}).get("isPinned"):
            raise ForgeError(
                f"GitHub refused to {doing}: {graphql_error_message(errors) or 'still not pinned'}"
            )

    def set_status(self, sha: str, state: Literal["pending", "success", "failure"], description: str) -> None:
        """Post the status unless the sha already shows exactly this one: GitHub appends every post
        (up to 1,000 per sha and context), so a re-run must not add another."""
        description = description[:140]
        statuses = self.reads.statuses(sha, none_yet=sha in self._created)
        latest = next((item for item in statuses if item.get("context") == STATUS_CONTEXT), None)
        if latest is not None and (str(latest.get("state")).lower(), latest.get("description")) == (
            state,
            description,
        ):
            return
        self.client.call(
            "POST",
            f"{self.client.repo}/statuses/{sha}",
            f"set the {STATUS_CONTEXT} status",
            body={"state": state, "context": STATUS_CONTEXT, "description": description},
        )
        statuses.insert(0, {"context": STATUS_CONTEXT, "state": state, "description": description})

    def commit_files(
        self, number: int, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        data = self.reads.pr_data(number)
        head_repo = (data["head"].get("repo") or {}).get("full_name")
        if head_repo != self.client.repository:
            raise ForgeError(
                f"PR #{number} comes from {head_repo or 'a deleted fork'}; the bot cannot write to it"
            )
        return self.commit_to_branch(str(data["head"]["ref"]), expected_head, files, message)

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str:
        """One `createCommitOnBranch` call, which GitHub applies only if the branch is still at
        `expected_head` (else HeadMovedError: re-sync, never force). The commit is authored by the
        token's account and committed and signed by GitHub. A crash before the answer leaves either
        nothing or the commit; the re-run finds the content already there, or commits it again.
        """
        try:
            self.reads.prefetch(expected_head, list(files))
        except NoSuchCommit as exc:  # so the branch cannot be at it
            raise HeadMovedError(f"{branch} is not at {expected_head[:7]}: {exc}") from exc
        changes = {
            path: content
            for path, content in files.items()
            if self.reads.read_file(expected_head, path) != content
        }
        if not changes:
            return expected_head
        variables = gql.commit_variables(self.client.repository, branch, expected_head, message, changes)
        data, errors = self.client.graphql(gql.COMMIT, variables, f"commit to {branch}")
        if errors:
            text = graphql_error_message(errors)
            if "expectedheadoid" in text.lower() or "expected branch to point to" in text.lower():
                raise HeadMovedError(f"{branch} moved past {expected_head[:7]}: {text}")
            raise ForgeError(f"GitHub refused to commit to {branch}: {text}")
        new = str(data["createCommitOnBranch"]["commit"]["oid"])
        self._created.add(new)
        return new

    def request_team_reviews(self, number: int, slugs: Sequence[str]) -> None:
        """REST `requested_reviewers` with the teams of this repository's organization (CODEOWNERS
        names them `@org/team`; GitHub wants the bare slug). GitHub keeps a team asked once."""
        owner = self.client.repository.split("/", 1)[0].lower()
        teams = sorted({slug.split("/", 1)[1] for slug in slugs if slug.split("/", 1)[0] == owner})
        if not teams:
            return
        self.client.call(
            "POST",
            f"{self.client.repo}/pulls/{number}/requested_reviewers",
            f"ask {', '.join(teams)} to review PR #{number}",
            body={"team_reviewers": teams},
        )

    def merge(self, number: int, sha: str, title: str, message: str) -> str:
        data = self.reads.pr_data(number)
        if data.get("merged") and data["head"]["sha"] == sha and data.get("merge_commit_sha"):
            return str(data["merge_commit_sha"])
        try:
            _, result = self.client.request(
                "PUT",
                f"{self.client.repo}/pulls/{number}/merge",
                body={"sha": sha, "merge_method": "merge", "commit_title": title, "commit_message": message},
            )
        except GithubException as exc:
            text = error_message(exc)
            if exc.status == 409 or (exc.status == 405 and "head branch was modified" in text.lower()):
                raise HeadMovedError(f"PR #{number} moved past {sha}: {text}") from exc
            if exc.status == 405:  # perhaps merged by our own earlier run whose answer was lost
                fresh = self.reads.reread_pr(number)
                if fresh.get("merged") and fresh["head"]["sha"] == sha and fresh.get("merge_commit_sha"):
                    return str(fresh["merge_commit_sha"])
            if exc.status == 405 and "approving review" in text.lower():
                raise ForgeError(
                    f"GitHub refused to merge PR #{number}: {text} The decision record the bot just "
                    "committed on the reviewed head made GitHub dismiss the approvals it records: turn "
                    "off 'Dismiss stale pull request approvals' in the branch rule (the bot itself "
                    "counts an approval only on the head it was given on; docs/github-setup.md)"
                ) from exc
            raise ForgeError(f"GitHub refused to merge PR #{number}: {exc.status} {text}") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"could not reach GitHub to merge PR #{number}: {exc}") from exc
        if not result.get("merged"):
            raise ForgeError(f"GitHub did not merge PR #{number}: {result.get('message')}")
        data.update(merged=True, state="closed", merge_commit_sha=result["sha"])
        return str(result["sha"])

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int:
        owner = self.client.repository.split("/", 1)[0]

        def existing() -> int | None:
            for item in self.client.pages(
                f"{self.client.repo}/pulls",
                f"look for a PR from {head}",
                {"head": f"{owner}:{head}", "base": base},
            ):
                if item["head"]["ref"] == head and item["state"] == "open":
                    return int(item["number"])
            return None

        found = existing()
        if found is not None:
            return found
        try:
            _, data = self.client.request(
                "POST",
                f"{self.client.repo}/pulls",
                body={"head": head, "base": base, "title": title, "body": body},
            )
        except GithubException as exc:
            again = existing() if exc.status == 422 else None  # opened by a racing run
            if again is not None:
                return again
            raise ForgeError(
                f"GitHub refused to open a PR from {head}: {exc.status} {error_message(exc)}"
            ) from exc
        return int(data["number"])

    def ensure_branch(self, branch: str, from_sha: str) -> str:
        """The branch's head, creating the branch at `from_sha` if it does not exist yet."""
        try:
            _, data = self.client.request("GET", self.client.ref_url(branch))
            return str(data["object"]["sha"])
        except GithubException as exc:
            if exc.status != 404:
                raise ForgeError(f"GitHub refused to read branch {branch}: {error_message(exc)}") from exc
        try:
            _, data = self.client.request(
                "POST", f"{self.client.repo}/git/refs", body={"ref": f"refs/heads/{branch}", "sha": from_sha}
            )
        except GithubException as exc:
            if exc.status == 422:  # created by a racing run
                return self.reads.branch_head(branch)
            raise ForgeError(f"GitHub refused to create branch {branch}: {error_message(exc)}") from exc
        return str(data["object"]["sha"])
