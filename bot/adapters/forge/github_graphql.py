"""The GraphQL documents that let one sync read all it needs in two requests, and their parsers.

REST needs a call per resource (PR, files, reviews, commits, comments, statuses, tree, each blob,
each team, the base history). GraphQL answers all of them in one request, so a sync reads:
1. `SNAPSHOT`: the PR with its files, reviews, commits, comments, labels and head status, plus the
   base branch's policy (risk models, CODEOWNERS, exceptions and their decisions, history policy),
   the first page of its history (for the hash chain), and its tip as signed with the signers
   file before it (may the bot merge onto that tip? `services.base_tip`);
2. `head_query(...)`: the governed files the PR changes, at its head, the records those files can
   have, at the base (is the change decided already?), and the members of every team the base
   CODEOWNERS names; built once the first answer says which.
Neither lists `decisions/`: what is asked for depends on the PR, never on the size of the history.
Writes stay REST except the record commit (`COMMIT`, one call with a server-side head guard).

Only fields that GitHub's public schema has are used: `tests/test_github_graphql_schema.py` checks
every document these builders can make against the whole published schema, and the fake GitHub
checks what tests send against a subset of it. Builders and parsers here are pure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.layout import SIGNERS_PATH
from bot.domain.pull_request import ChangedFile, Commit, FileStatus, Review, User
from bot.domain.rules.history import HISTORY_PATH

MODE_TREE = 0o040000

_TEXT = "... on Blob { text isBinary isTruncated }"


def entry_selection(levels: int, *, text: bool) -> str:
    """A TreeEntry selection that expands `levels` directory levels (GraphQL has no recursion)."""
    inner = f"... on Tree {{ entries {{ {entry_selection(levels - 1, text=text)} }} }}" if levels else ""
    blob = _TEXT if text else ""
    body = " ".join(part for part in (inner, blob) if part)
    return f"path mode type oid object {{ __typename {body} }}"


# Base-branch directories read with the snapshot: (alias, path, levels expanded, with blob text).
BASE_DIRS = (
    ("codeowners", ".github/CODEOWNERS", 0, True),
    ("rootCodeowners", "CODEOWNERS", 0, True),
    ("docsCodeowners", "docs/CODEOWNERS", 0, True),
    ("riskModel", "risk-model", 1, True),
    ("exceptions", "exceptions", 2, True),
    ("exceptionDecisions", "decisions/exceptions", 2, True),
    ("policyDecisions", "decisions/policy", 2, True),
    ("freeze", "policy/freeze.yaml", 0, True),
    ("historyPolicy", HISTORY_PATH, 0, True),
    ("signers", SIGNERS_PATH, 0, True),
)
PAGE = 100  # GitHub's largest page; a list with more falls back to REST pages
HEAD_FILES_MAX = 50  # governed files read at a PR head in one query; a PR with more is refused anyway
TEAMS_MAX = 20  # teams read with them; more CODEOWNERS teams are read one by one when asked for

_BASE_DIRS = "\n".join(
    f'            {alias}: file(path: "{path}") {{ {entry_selection(levels, text=text)} }}'
    for alias, path, levels, text in BASE_DIRS
)

# The base tip as GitHub signed it (or not), and the signers file its signature is checked with.
_TIP = f"""\
            message author {{ name email }} committer {{ name email date }}
            signature {{ payload signature }}
            parents(first: 3) {{ nodes {{ oid }} }}
            firstParent: parents(first: 1) {{
              nodes {{ oid signers: file(path: "{SIGNERS_PATH}") {{ {entry_selection(0, text=True)} }} }}
            }}"""

SNAPSHOT = (
    """
query CabSnapshot($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    pullRequest(number: $number) {
      number title body state merged changedFiles
      mergeCommit { oid }
      author { ...account }
      headRefName headRefOid baseRefName baseRefOid
      headRepository { nameWithOwner }
      labels(first: 100) { pageInfo { hasNextPage } nodes { name } }
      files(first: 100) { pageInfo { hasNextPage } nodes { path changeType } }
      reviews(first: 100) {
        pageInfo { hasNextPage }
        nodes { fullDatabaseId state body submittedAt commit { oid } author { ...account } }
      }
      commits(first: 100) {
        pageInfo { hasNextPage }
        nodes {
          commit {
            oid message author { ...person } committer { ...person }
            authors(first: 20) { pageInfo { hasNextPage } nodes { ...person } }
          }
        }
      }
      comments(first: 100) {
        pageInfo { hasNextPage }
        nodes {
          fullDatabaseId body createdAt updatedAt author { ...account } editor { ...account }
          userContentEdits(first: 20) { pageInfo { hasNextPage } nodes { editor { ...account } } }
        }
      }
      latest: commits(last: 1) {
        nodes { commit { oid status { contexts { context state description } } } }
      }
      baseRef {
        name
        target {
          oid
          ... on Commit {
"""
    + _TIP
    + """
            history(first: 100) {
              pageInfo { hasNextPage }
              nodes { oid message parents(first: 2) { nodes { oid } } author { email user { login } } }
            }
"""
    + _BASE_DIRS
    + """
          }
        }
      }
    }
  }
}

fragment account on Actor { __typename login ... on User { databaseId } ... on Bot { databaseId } }
fragment person on GitActor { email user { login databaseId } }
"""
)

COMMIT = """
mutation CabCommit($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } }
}
"""

# REST has no pin endpoint: an issue is pinned to the repository through GraphQL only.
ISSUE_PINNED = """
query CabIssuePinned($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { issue(number: $number) { id isPinned } }
}
"""

PIN_ISSUE = """
mutation CabPinIssue($issueId: ID!) {
  pinIssue(input: {issueId: $issueId}) { issue { isPinned } }
}
"""


def snapshot_variables(repository: str, number: int) -> dict[str, Any]:
    """The variables `SNAPSHOT` declares, for PR `number` of `OWNER/NAME`."""
    owner, name = repository.split("/")
    return {"owner": owner, "name": name, "number": number}


def head_query(
    repository: str,
    head: str,
    paths: Sequence[str],
    teams: Sequence[tuple[str, str]],
    *,
    base: str | None = None,
    base_paths: Sequence[str] = (),
) -> tuple[str, dict[str, Any]]:
    """Files at commit `head` (and `base_paths` at `base`) and the named (org, slug) teams' members,
    in one document, with exactly the variables it declares: GitHub rejects a document that declares
    a variable it does not use ("All Variables Used"), so `$head` is there only when there are files
    to read at it, `$base` likewise."""
    owner, name = repository.split("/")
    params = ["$owner: String!", "$name: String!"]
    variables: dict[str, Any] = {"owner": owner, "name": name}
    files = []
    for i, path in enumerate(paths):
        params.append(f"$p{i}: String!")
        variables[f"p{i}"] = path
        files.append(f"f{i}: file(path: $p{i}) {{ {entry_selection(0, text=True)} }}")
    at_base = ""
    if base is not None and base_paths:
        base_files = []
        for i, path in enumerate(base_paths):
            params.append(f"$b{i}: String!")
            variables[f"b{i}"] = path
            base_files.append(f"b{i}: file(path: $b{i}) {{ {entry_selection(0, text=True)} }}")
        params.append("$base: GitObjectID!")
        variables["base"] = base
        at_base = f" base: object(oid: $base) {{ ... on Commit {{ {' '.join(base_files)} }} }}"
    orgs = []
    for i, (org, slug) in enumerate(teams):
        params += [f"$o{i}: String!", f"$t{i}: String!"]
        variables.update({f"o{i}": org, f"t{i}": slug})
        orgs.append(
            f"team{i}: organization(login: $o{i}) {{ team(slug: $t{i}) {{ databaseId slug "
            f"members(first: {PAGE}) {{ pageInfo {{ hasNextPage }} nodes {{ login databaseId }} }} }} }}"
        )
    at_head = ""
    if files:
        params.append("$head: GitObjectID!")
        variables["head"] = head
        at_head = f" head: object(oid: $head) {{ ... on Commit {{ {' '.join(files)} }} }}"
    document = (
        f"query CabHead({', '.join(params)}) {{\n"
        f"  repository(owner: $owner, name: $name) {{ nameWithOwner{at_head}{at_base} }}\n"
        + "".join(f"  {line}\n" for line in orgs)
        + "}\n"
    )
    return document, variables


def commit_variables(
    repository: str, branch: str, expected_head: str, message: str, changes: Mapping[str, bytes | None]
) -> dict[str, Any]:
    """The variables of `COMMIT`: `changes` maps a path to its new content, or None to delete it."""
    headline, _, body = message.partition("\n")
    file_changes = {
        "additions": [
            {"path": path, "contents": base64.b64encode(content).decode()}
            for path, content in sorted(changes.items())
            if content is not None
        ],
        "deletions": [{"path": path} for path, content in sorted(changes.items()) if content is None],
    }
    return {
        "input": {
            "branch": {"repositoryNameWithOwner": repository, "branchName": branch},
            "expectedHeadOid": expected_head,
            "message": {"headline": headline, "body": body.strip("\n")},
            "fileChanges": file_changes,
        }
    }


# --- parsing ------------------------------------------------------------------------------------
_CHANGE: dict[str, FileStatus] = {
    "ADDED": "added",
    "COPIED": "added",
    "DELETED": "removed",
    "MODIFIED": "modified",
    "CHANGED": "modified",
    "RENAMED": "renamed",
}


def account(data: Mapping[str, Any] | None) -> User | None:
    """An `Actor` (or a `GitActor.user`) as the Forge's User; None for ghosts and unlinked emails.
    GraphQL names an App's bot `dependabot` where REST, CODEOWNERS and `CAB_BOT_LOGIN` say
    `dependabot[bot]`: the REST login is kept, so both APIs give the same account."""
    if not data or data.get("databaseId") is None:
        return None
    login = str(data["login"])
    bot = data.get("__typename") == "Bot"
    if bot and not login.endswith("[bot]"):
        login += "[bot]"
    return User(login, int(data["databaseId"]), bot or login.endswith("[bot]"))


def rest_user(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The REST shape of an account, for the forge's REST-shaped caches (PR author, comments)."""
    user = account(data)
    if user is None:
        return None
    return {"login": user.login, "id": user.id, "type": "Bot" if user.is_bot else "User"}


def changed_files(nodes: list[Mapping[str, Any]]) -> list[ChangedFile]:
    """GraphQL names no previous path for renames; callers that need it ask REST (see forge)."""
    return [ChangedFile(str(n["path"]), _CHANGE.get(str(n["changeType"]), "modified")) for n in nodes]


def time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def reviews(nodes: list[Mapping[str, Any]]) -> list[Review]:
    out = []
    for n in nodes:
        user = account(n.get("author"))
        if user is None or not n.get("submittedAt") or n.get("fullDatabaseId") is None:
            continue  # pending drafts and deleted accounts count for nothing, as in REST
        out.append(
            Review(
                id=int(n["fullDatabaseId"]),
                user=user,
                state=str(n["state"]),  # type: ignore[arg-type]
                commit_id=str((n.get("commit") or {}).get("oid") or ""),
                submitted_at=time(str(n["submittedAt"])),
                body=str(n.get("body") or ""),
            )
        )
    return out


def commits(nodes: list[Mapping[str, Any]]) -> list[Commit]:
    """Each commit with the accounts GitHub links to its authors' e-mails (`authors` lists the
    author and every `Co-authored-by:`), so co-authors map to accounts as GitHub maps them."""
    out = []
    for n in nodes:
        c = n["commit"]
        author, committer = c.get("author") or {}, c.get("committer") or {}
        linked = []
        for person in (c.get("authors") or {}).get("nodes") or []:
            user = account((person or {}).get("user"))
            if user is not None and person.get("email"):
                linked.append((str(person["email"]).lower(), user))
        out.append(
            Commit(
                sha=str(c["oid"]),
                author=account(author.get("user")),
                committer=account(committer.get("user")),
                author_email=str(author.get("email") or ""),
                committer_email=str(committer.get("email") or ""),
                message=str(c["message"]),
                linked=tuple(linked),
            )
        )
    return out


def editors(node: Mapping[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Everyone GitHub says edited a comment (REST-shaped), and whether that list is complete: an
    edit whose editor GitHub no longer names (a deleted account) leaves it incomplete."""
    edits = node.get("userContentEdits") or {"nodes": [], "pageInfo": {"hasNextPage": False}}
    nodes = [e or {} for e in edits.get("nodes") or []]
    people = [rest_user(e.get("editor")) for e in nodes]
    last = node.get("editor")
    people.append(rest_user(last) if last is not None else None)
    found = [u for u in people if u is not None]
    complete = (
        not edits["pageInfo"]["hasNextPage"]
        and all(u is not None for u in people[:-1])
        and (last is None or people[-1] is not None)
    )
    return found, complete


def rest_comments(nodes: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": int(n["fullDatabaseId"]),
            "body": str(n.get("body") or ""),
            "user": rest_user(n.get("author")),
            "created_at": str(n["createdAt"]),
            "updated_at": str(n["updatedAt"]),
            "editors": editors(n)[0],
            "edits_known": editors(n)[1],
        }
        for n in nodes
        if n.get("fullDatabaseId") is not None
    ]


@dataclass(frozen=True)
class Leaf:
    """One tree entry as GraphQL gave it; `text` is None when GitHub did not inline the blob."""

    path: str
    mode: str  # six octal digits, as git and the REST API write it
    type: str
    oid: str
    text: bytes | None


def git_blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def _leaf(entry: Mapping[str, Any]) -> Leaf:
    obj = entry.get("object") or {}
    raw = obj.get("text")
    text = None
    if isinstance(raw, str) and not obj.get("isBinary") and not obj.get("isTruncated"):
        encoded = raw.encode("utf-8")
        # GitHub decodes blobs to show them; keep the text only if it is byte-for-byte the blob.
        text = encoded if git_blob_sha(encoded) == entry["oid"] else None
    return Leaf(str(entry["path"]), f"{int(entry['mode']):06o}", str(entry["type"]), str(entry["oid"]), text)


def walk(entry: Mapping[str, Any]) -> Iterator[tuple[Leaf, bool]]:
    """Every entry under (and including) `entry`, each with whether its listing was fetched whole."""
    leaf = _leaf(entry)
    obj = entry.get("object") or {}
    expanded = "entries" in obj and obj["entries"] is not None
    yield leaf, leaf.type != "tree" or expanded
    if expanded:
        for child in obj["entries"]:
            yield from walk(child)


def history(nodes: list[Mapping[str, Any]]) -> list[tuple[str, list[str], str, str | None]]:
    """(sha, parent shas, message, author login) of each commit; bots' logins come from their
    noreply email when GitHub links no user (`12345+name[bot]@users.noreply.github.com`)."""
    out = []
    for n in nodes:
        author = n.get("author") or {}
        login = (author.get("user") or {}).get("login")
        email = str(author.get("email") or "")
        if login is None and email.endswith("@users.noreply.github.com"):
            login = email.split("@", 1)[0].split("+", 1)[-1]
        parents = [str(p["oid"]) for p in (n.get("parents") or {}).get("nodes") or []]
        out.append((str(n["oid"]), parents, str(n["message"]), login))
    return out
