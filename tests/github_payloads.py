"""GitHub-shaped payloads for tests: REST bodies built from GitHub's own documented examples
(overriding only what a test needs), and GraphQL nodes and roots that `github_schema.execute` runs
documents over, for shapes the stateful fake does not make (more than a page, renames, links).

Shas made here with `sha(seed)` name no real object: they are for scripted answers only.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.github_schema import API, REPO, GitHubError, connection, openapi

BLOB_MODE, TREE_MODE = 0o100644, 0o040000


def _example(name: str) -> Any:
    return copy.deepcopy(openapi()["components"]["examples"][name]["value"])


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def user(login: str, uid: int, kind: str = "User") -> dict[str, Any]:
    base = _example("pull-request")["user"]
    base.update(login=login, id=uid, type=kind, node_id=f"U_{uid}")
    for key, value in list(base.items()):
        if isinstance(value, str) and "octocat" in value:
            base[key] = value.replace("octocat", login)
    return base


def pull_request(
    number: int = 7,
    *,
    head: str | None = None,
    base: str | None = None,
    head_ref: str = "cab/payments-api-7.4.2",
    author: dict[str, Any] | None = None,
    labels: Iterable[str] = (),
    changed_files: int = 2,
    merged: bool = False,
    state: str = "open",
    head_repo: str = REPO,
    merge_commit_sha: str | None = None,
    comments: int = 0,
) -> dict[str, Any]:
    pr = _example("pull-request")
    pr["comments"] = comments
    pr.update(
        number=number, state=state, merged=merged, changed_files=changed_files, title=f"CAB change {number}"
    )
    pr["user"] = author or user("dev", 101)
    # GitHub's own example predates `team-simple.type` becoming required; no reviewers requested here.
    pr["requested_teams"] = []
    pr["labels"] = [dict(_example("label-items")[0], name=name, id=900 + i) for i, name in enumerate(labels)]
    pr["head"].update(sha=head or sha(f"head{number}"), ref=head_ref)
    pr["head"]["repo"]["full_name"] = head_repo
    pr["base"].update(sha=base or sha("base"), ref="main")
    pr["merge_commit_sha"] = merge_commit_sha
    # GitHub's example is merged and closed whatever its state says; a PR here is what it says.
    pr["merged_at"] = "2026-11-20T10:00:00Z" if merged else None
    pr["closed_at"] = "2026-11-20T10:00:00Z" if merged or state == "closed" else None
    return pr


def pull_request_item(number: int, **fields: Any) -> dict[str, Any]:
    """One item of `GET /pulls` (a pull-request-simple): `pull_request(number, **fields)`, listed."""
    keys = openapi()["components"]["examples"]["pull-request-simple-items"]["value"][0]
    return {k: v for k, v in pull_request(number, **fields).items() if k in keys}


def review(
    rid: int, who: dict[str, Any], state: str, commit_id: str, at: str | None = None
) -> dict[str, Any]:
    item = _example("pull-request-review-items")[0]
    item.update(id=rid, user=who, state=state, commit_id=commit_id, node_id=f"R_{rid}")
    if at is not None:
        item["submitted_at"] = at
    return item


def comment(cid: int, who: dict[str, Any], body: str, at: str | None = None) -> dict[str, Any]:
    item = _example("issue-comment")
    item.update(id=cid, user=who, body=body, node_id=f"C_{cid}")
    if at is not None:
        item.update(created_at=at, updated_at=at)
    return item


def issue(
    number: int, title: str, body: str, who: dict[str, Any], names: Iterable[str] = (), repo: str = REPO
) -> dict[str, Any]:
    """An issue as `GET/POST/PATCH /repos/{o}/{r}/issues` answer it (GitHub's "Issue" schema)."""
    url = f"{API}/repos/{repo}/issues/{number}"
    return {
        "id": 5000 + number,
        "node_id": f"I_{number}",
        "url": url,
        "repository_url": f"{API}/repos/{repo}",
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "number": number,
        "state": "open",
        "title": title,
        "body": body,
        "user": who,
        "labels": labels(*names),
        "assignee": None,
        "milestone": None,
        "locked": False,
        "comments": 0,
        "closed_at": None,
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:00:00Z",
        "author_association": "NONE",
    }


def labels(*names: str) -> list[dict[str, Any]]:
    return [dict(_example("label-items")[0], name=name, id=900 + i) for i, name in enumerate(names)]


def git_ref(branch: str, at: str, repo: str = REPO) -> dict[str, Any]:
    return {
        "ref": f"refs/heads/{branch}",
        "node_id": "REF_1",
        "url": f"{API}/repos/{repo}/git/refs/heads/{branch}",
        "object": {"type": "commit", "sha": at, "url": f"{API}/repos/{repo}/git/commits/{at}"},
    }


def status(state: str, description: str | None = None, sid: int = 1) -> dict[str, Any]:
    item = _example("status")
    item.update(state=state, context="cab/decision", id=sid, node_id=f"S_{sid}")
    if description is not None:
        item["description"] = description
    return item


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def tree(at: str, entries: dict[str, tuple[str, bytes | str]], repo: str = REPO) -> dict[str, Any]:
    """A recursive tree: path -> (mode, content); directories are implied, mode 160000 is a submodule."""
    items: list[dict[str, Any]] = []
    dirs: set[str] = set()
    for path, (mode, content) in sorted(entries.items()):
        parts = path.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
        raw = content.encode() if isinstance(content, str) else content
        kind = "commit" if mode == "160000" else "blob"
        the_sha = sha(path) if kind == "commit" else blob_sha(raw)
        item = {
            "path": path,
            "mode": mode,
            "type": kind,
            "sha": the_sha,
            "url": f"{API}/repos/{repo}/git/blobs/{the_sha}",
        }
        if kind == "blob":
            item["size"] = len(raw)
        items.append(item)
    items += [
        {
            "path": d,
            "mode": "040000",
            "type": "tree",
            "sha": sha("tree:" + d),
            "url": f"{API}/repos/{repo}/git/trees/x",
        }
        for d in sorted(dirs)
    ]
    return {
        "sha": sha("root:" + at),
        "url": f"{API}/repos/{repo}/git/trees/{at}",
        "truncated": False,
        "tree": items,
    }


def blob(content: bytes, repo: str = REPO) -> dict[str, Any]:
    the_sha = blob_sha(content)
    return {
        "sha": the_sha,
        "node_id": "B_1",
        "size": len(content),
        "url": f"{API}/repos/{repo}/git/blobs/{the_sha}",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
    }


def git_commit(
    the_sha: str, tree_sha: str, parents: list[str], message: str, repo: str = REPO
) -> dict[str, Any]:
    person = {"name": "cab-bot", "email": "cab-bot@users.noreply.github.com", "date": "2026-11-23T10:00:00Z"}
    return {
        "sha": the_sha,
        "node_id": "GC_1",
        "url": f"{API}/repos/{repo}/git/commits/{the_sha}",
        "html_url": f"https://github.com/{repo}/commit/{the_sha}",
        "author": person,
        "committer": person,
        "message": message,
        "tree": {"sha": tree_sha, "url": f"{API}/repos/{repo}/git/trees/{tree_sha}"},
        "parents": [
            {
                "sha": p,
                "url": f"{API}/repos/{repo}/git/commits/{p}",
                "html_url": f"https://github.com/{repo}/commit/{p}",
            }
            for p in parents
        ],
        "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
    }


def commit(
    the_sha: str,
    *,
    author: dict[str, Any] | None,
    committer: Any = ...,  # ... means "the same account as the author"; None means no account
    message: str = "change",
    parents: Iterable[str] = (),
    email: str = "dev@example.com",
    repo: str = REPO,
) -> dict[str, Any]:
    person = {"name": "someone", "email": email, "date": "2026-11-20T09:00:00Z"}
    return {
        "url": f"{API}/repos/{repo}/commits/{the_sha}",
        "sha": the_sha,
        "node_id": f"C_{the_sha[:6]}",
        "html_url": f"https://github.com/{repo}/commit/{the_sha}",
        "comments_url": f"{API}/repos/{repo}/commits/{the_sha}/comments",
        "commit": {
            "url": f"{API}/repos/{repo}/git/commits/{the_sha}",
            "author": person,
            "committer": person,
            "message": message,
            "comment_count": 0,
            "tree": {"sha": sha("t" + the_sha), "url": f"{API}/repos/{repo}/git/trees/x"},
        },
        "author": author,
        "committer": author if committer is ... else committer,
        "parents": [{"sha": p, "url": f"{API}/repos/{repo}/commits/{p}"} for p in parents],
    }


def diff_entry(
    path: str, status: str = "added", previous: str | None = None, repo: str = REPO
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sha": blob_sha(path.encode()),
        "filename": path,
        "status": status,
        "additions": 10,
        "deletions": 0,
        "changes": 10,
        "blob_url": f"https://github.com/{repo}/blob/x/{path}",
        "raw_url": f"https://github.com/{repo}/raw/x/{path}",
        "contents_url": f"{API}/repos/{repo}/contents/{path}?ref=x",
    }
    if previous is not None:
        item["previous_filename"] = previous
    return item


def team(slug: str, tid: int) -> dict[str, Any]:
    return {
        "id": tid,
        "node_id": f"T_{tid}",
        "url": f"{API}/organizations/1/team/{tid}",
        "html_url": f"https://github.com/orgs/octo-org/teams/{slug}",
        "members_url": f"{API}/organizations/1/team/{tid}/members{{/member}}",
        "repositories_url": f"{API}/organizations/1/team/{tid}/repos",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "permission": "pull",
        "parent": None,
        "type": "organization",
    }


def page_links(path: str, page: int, last: int) -> dict[str, str]:
    """`Link` header of page `page` of `last`, as GitHub sends it."""
    links = []
    if page < last:
        links.append(f'<{API}{path}?per_page=100&page={page + 1}>; rel="next"')
        links.append(f'<{API}{path}?per_page=100&page={last}>; rel="last"')
    return {"Link": ", ".join(links)} if links else {}


def error(message: str) -> dict[str, Any]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


# --- GraphQL answers: roots that `github_graphql_fake.execute` runs each document over ---------
# For shapes FakeGitHub does not make: more than a page, renames, links, blobs GitHub does not inline.
def symlink(target: str) -> Entry:
    return Entry(target.encode(), mode=0o120000, text=target)


def submodule() -> Entry:
    return Entry(b"", mode=0o160000)


def refused(kind: str, message: str) -> GitHubError:
    """An error GitHub reports beside partial data, e.g. `refused("FORBIDDEN", "Resource not ...")`."""
    return GitHubError(kind, message)


def gql_page(items: Iterable[Any], *, more: bool = False) -> Any:
    """A connection field over `items`; `more`: GitHub has further items beyond these."""
    listed = list(items)

    def resolve(_info: Any, **page: Any) -> dict[str, Any]:
        answer = connection(listed, **page)
        answer["pageInfo"]["hasNextPage"] = answer["pageInfo"]["hasNextPage"] or more
        return answer

    return resolve


def gql_commit(oid: str, files: dict[str, bytes | Entry] | None = None) -> dict[str, Any]:
    """A root Commit with its files (a flat {path: content}); its history is itself alone."""
    person = {"email": "dev@example.com", "name": "someone", "user": None}
    commit: dict[str, Any] = {
        "__typename": "Commit",
        "oid": oid,
        "message": "change",
        "author": person,
        "committer": person,
        "authors": gql_page([person]),
        "status": None,
        "parents": gql_page([]),
        "file": lambda _info, path: tree_entry(files or {}, path.strip("/")),
    }
    commit["history"] = gql_page([commit])
    return commit


def gql_pull_request(
    number: int = 7,
    *,
    head: str | None = None,
    author: dict[str, Any] | None = None,
    labels: Iterable[str] = (),
    files: Iterable[tuple[str, str]] = (),
    changed_files: int | None = None,
    reviews: Iterable[dict[str, Any]] = (),
    commits: Iterable[dict[str, Any]] | None = None,
    comments: Iterable[dict[str, Any]] = (),
    more: Iterable[str] = (),
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A PullRequest as the snapshot reads it. `files`: (path, changeType); `reviews`, `comments`:
    REST items (`review`, `comment`); `commits`: `gql_commit`s (the head alone by default); `more`:
    the connections ("files", "reviews", ...) that have more than GitHub's one page; `base`: the
    base branch head (`gql_commit`, empty by default)."""
    head = head or sha(f"head{number}")
    base = base or gql_commit(sha("base"))
    changes = list(files)
    chain = list(commits) if commits is not None else [gql_commit(head)]
    return {
        "number": number,
        "title": f"CAB change {number}",
        "body": "",
        "state": "OPEN",
        "merged": False,
        "mergeCommit": None,
        "changedFiles": len(changes) if changed_files is None else changed_files,
        "author": actor(author or user("dev", 101)),
        "headRefName": "cab/payments-api-7.4.2",
        "headRefOid": head,
        "baseRefName": "main",
        "baseRefOid": base["oid"],
        "baseRef": {"name": "main", "target": base},
        "headRepository": {"nameWithOwner": REPO},
        "labels": gql_page([{"name": name} for name in labels], more="labels" in more),
        "files": gql_page([{"path": p, "changeType": kind} for p, kind in changes], more="files" in more),
        "reviews": gql_page(
            [review_node(r, {"__typename": "Commit", "oid": r["commit_id"]}) for r in reviews],
            more="reviews" in more,
        ),
        "commits": gql_page([{"commit": c} for c in chain], more="commits" in more),
        "comments": gql_page([comment_node(c) for c in comments], more="comments" in more),
        "_objects": [base, *chain],  # not a field: the commits `gql_root` lets `object(oid:)` find
    }


def gql_root(
    pull_request: dict[str, Any] | Exception | None = None,
    *,
    commits: Iterable[dict[str, Any]] = (),
    repo: str = REPO,
) -> dict[str, Any]:
    """GitHub's GraphQL root for one repository: its pull request (or the error GitHub gives for it)
    and the commits `object(oid:)` finds (the PR's base and commits too)."""
    found = {c["oid"]: c for c in commits}
    for commit in pull_request.get("_objects", []) if isinstance(pull_request, dict) else []:
        found.setdefault(commit["oid"], commit)

    def pull(_info: Any, number: int) -> dict[str, Any]:
        if isinstance(pull_request, Exception):
            raise pull_request
        if pull_request is None or pull_request["number"] != number:
            raise refused("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
        return pull_request

    def repository(_info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        if f"{owner}/{name}".lower() != repo.lower():
            raise refused("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return {
            "nameWithOwner": repo,
            "pullRequest": pull,
            "object": lambda _info, oid=None, expression=None: found.get(oid),
        }

    return {"repository": repository}


def _typed(kind: str, **fields: Any) -> dict[str, Any]:
    return {"__typename": kind, **fields}


def actor(account: dict[str, Any] | None) -> dict[str, Any] | None:
    """A REST account as GraphQL's Actor (User or Bot). GraphQL names a Bot without the `[bot]`
    suffix REST gives its login: `github-actions`, not `github-actions[bot]`."""
    if account is None:
        return None
    kind = account.get("type", "User")
    login = str(account["login"])
    login = login.removesuffix("[bot]") if kind == "Bot" else login
    return _typed(kind, login=login, databaseId=account["id"])


def git_user(account: dict[str, Any] | None) -> dict[str, Any] | None:
    """`GitActor.user` is typed User: GitHub links no user for a bot's commits."""
    if account is None or account.get("type") == "Bot":
        return None
    return {"login": account["login"], "databaseId": account["id"]}


def review_node(review: dict[str, Any], commit: Any) -> dict[str, Any]:
    """A REST review as a PullRequestReview node; `commit` is the Commit object it was made on."""
    return {
        "fullDatabaseId": str(review["id"]),
        "databaseId": review["id"],
        "state": review["state"],
        "body": review.get("body") or "",
        "submittedAt": review.get("submitted_at"),
        "commit": commit,
        "author": actor(review.get("user")),
    }


def comment_node(comment: dict[str, Any], edits: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A REST issue comment as an IssueComment node; `edits` are the accounts that edited it, in
    order. As on GitHub, an edited comment's edit history starts with its creation by the author."""
    history = [comment.get("user"), *edits] if edits else []
    return {
        "fullDatabaseId": str(comment["id"]),
        "databaseId": comment["id"],
        "body": comment.get("body") or "",
        "createdAt": comment["created_at"],
        "updatedAt": comment["updated_at"],
        "lastEditedAt": comment["updated_at"] if edits else None,
        "author": actor(comment.get("user")),
        "editor": actor(edits[-1]) if edits else None,
        "userContentEdits": lambda _info, **page: connection(
            [{"editor": actor(who), "editedAt": comment["updated_at"]} for who in reversed(history)], **page
        ),
    }


@dataclass(frozen=True)
class Entry:
    """A tree entry that is not a plain file GitHub inlines: a symlink (mode 0o120000, `content` its
    target) or a submodule (0o160000), or a blob whose `text` GitHub gives differently from its bytes
    (None for binary, cut short with `truncated`, or decoded lossily)."""

    content: bytes
    mode: int = 0o100644
    text: str | None = None
    truncated: bool = False
    binary: bool = False


def _blob(content: bytes) -> tuple[int, str, dict[str, Any]]:
    """(mode, type, object) of a plain file: GitHub inlines UTF-8 text and flags anything else binary."""
    try:
        text: str | None = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    blob = _typed(
        "Blob",
        oid=blob_sha(content),
        text=text,
        isBinary=text is None,
        isTruncated=False,
        byteSize=len(content),
    )
    return BLOB_MODE, "blob", blob


def _special(entry: Entry) -> tuple[int, str, dict[str, Any] | None]:
    if entry.mode == 0o160000:  # a commit of another repository: GitHub resolves no object for it
        return entry.mode, "commit", None
    blob = _typed(
        "Blob",
        oid=blob_sha(entry.content),
        text=entry.text,
        isBinary=entry.binary,
        isTruncated=entry.truncated,
        byteSize=len(entry.content),
    )
    return entry.mode, "blob", blob


def tree_entry(files: Mapping[str, bytes | Entry], path: str) -> dict[str, Any] | None:
    """The TreeEntry at `path` in a flat {path: content} snapshot (directories are implied)."""
    if path in files:
        value = files[path]
        mode, kind, obj = _special(value) if isinstance(value, Entry) else _blob(value)
        oid = obj["oid"] if obj is not None else hashlib.sha1(f"submodule {path}".encode()).hexdigest()
        return {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "mode": mode,
            "type": kind,
            "oid": oid,
            "object": obj,
        }
    prefix = f"{path}/" if path else ""
    below = [p for p in files if p.startswith(prefix)]
    if not below:
        return None
    children = sorted({p[len(prefix) :].split("/", 1)[0] for p in below})
    oid = hashlib.sha1(repr(sorted((p, files[p]) for p in below)).encode()).hexdigest()
    entries: Callable[[Any], list[dict[str, Any]]] = lambda _info: [  # noqa: E731
        e for child in children if (e := tree_entry(files, prefix + child)) is not None
    ]
    tree = _typed("Tree", oid=oid, entries=entries)
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "mode": TREE_MODE,
        "type": "tree",
        "oid": oid,
        "object": tree,
    }


def branch_rules(last_push_approval: bool | None = True, repo: str = REPO) -> list[dict[str, Any]]:
    """`GET /repos/{o}/{r}/rules/branches/{branch}`: the active rules on a branch, from GitHub's
    documented example, plus one `pull_request` rule unless `last_push_approval` is None."""
    rules: list[dict[str, Any]] = copy.deepcopy(
        _rules_example()["components"]["examples"]["repository-rule-items"]["value"]
    )
    if last_push_approval is not None:
        rules.append(
            {
                "type": "pull_request",
                "ruleset_id": 43,
                "ruleset_source": repo,
                "ruleset_source_type": "Repository",
                "parameters": {
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": True,
                    "require_last_push_approval": last_push_approval,
                    "required_approving_review_count": 1,
                    "required_review_thread_resolution": False,
                },
            }
        )
    return rules


def _rules_example() -> dict[str, Any]:
    from tests.github_schema import rules_openapi

    return rules_openapi()


def activity(
    before: str, after: str, actor: dict[str, Any] | None, *, branch: str, kind: str = "push", ident: int = 1
) -> dict[str, Any]:
    """One item of "List repository activities", from GitHub's documented example, which lacks the
    `timestamp` its own schema requires (given here)."""
    from tests.github_schema import activity_openapi

    item = copy.deepcopy(activity_openapi()["components"]["examples"]["activity-items"]["value"][0])
    item.update(
        id=ident, before=before, after=after, ref=f"refs/heads/{branch}", activity_type=kind, actor=actor
    )
    item.setdefault("timestamp", "2026-11-20T09:00:00Z")
    return item
