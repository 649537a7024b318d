"""Tampering with an engine-made history, as someone with push rights to main would.

Each tamper works on a clone of the audited repository with plain git (a later commit, or
history rewritten with `commit-tree` and `merge-tree`) and names the audit rule that must catch it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MALLORY = ("mallory", "mallory@users.noreply.sandbox")


class Clone:
    """A working clone of the audited repository with `main` checked out."""

    def __init__(self, source: Path, root: Path) -> None:
        subprocess.run(["git", "clone", "-q", "-b", "main", str(source), str(root)], check=True)
        self.root = root

    def git(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
        who = {
            "GIT_AUTHOR_NAME": MALLORY[0],
            "GIT_AUTHOR_EMAIL": MALLORY[1],
            "GIT_COMMITTER_NAME": MALLORY[0],
            "GIT_COMMITTER_EMAIL": MALLORY[1],
        }
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **who, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def read(self, path: str, rev: str = "main") -> str:
        return self.git("show", f"{rev}:{path}")

    def commit_file(self, path: str, text: str, message: str) -> None:
        """A direct push to main by mallory."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        self.git("add", path)
        self.git("commit", "-q", "-m", message)

    def first_parents(self) -> list[str]:
        return self.git("rev-list", "--first-parent", "--reverse", "main").split()

    def _identity(self, sha: str) -> dict[str, str]:
        fields = self.git("show", "-s", "--format=%an%n%ae%n%aI%n%cn%n%ce%n%cI", sha).split("\n")
        keys = ("AUTHOR_NAME", "AUTHOR_EMAIL", "AUTHOR_DATE", "COMMITTER_NAME", "COMMITTER_EMAIL")
        env = {f"GIT_{k}": v for k, v in zip(keys, fields, strict=False)}
        env["GIT_COMMITTER_DATE"] = fields[5]
        return env

    def _recommit(self, sha: str, tree: str, parents: list[str], key: Path | None = None) -> str:
        """`sha` made again on `tree` and `parents` with plain git: same identities and message, and
        unsigned (mallory has no key of the bot's) unless signed with `key`."""
        message = self.git("show", "-s", "--format=%B", sha)
        args = ["commit-tree", tree, *[a for p in parents for a in ("-p", p)], "-F", "-"]
        if key is not None:
            args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit-tree", "-S", *args[1:]]
        return self.git(*args, env=self._identity(sha), stdin=message + "\n")

    def remake_tip(self, key: Path | None) -> None:
        """Main's newest decision merge made again with plain git, as its author and committer, with its
        tree, parents and message, hence its hashes and chain: what the bot's key alone can tell apart."""
        tip = self.git("rev-parse", "main")
        tree = self.git("rev-parse", "main^{tree}")
        self.git("update-ref", "refs/heads/main", self._recommit(tip, tree, self._parents(tip), key), tip)
        self.git("reset", "-q", "--hard", "main")

    def rewrite(self, target: str, tree: Callable[[str], str] | None) -> None:
        """Main rewritten from the first-parent commit `target` on: `tree(target)` replaces its tree
        (same parents, message and identities), or None drops it; later merges are replayed."""
        history = self.first_parents()
        index = history.index(target)
        tip = self.git("rev-parse", f"{target}^1")
        if tree is not None:
            tip = self._recommit(target, tree(target), [tip, *self._parents(target)[1:]])
        for sha in history[index + 1 :]:
            parents = self._parents(sha)
            if len(parents) == 2:
                merged = self.git("merge-tree", "--write-tree", tip, parents[1]).split("\n")[0]
                tip = self._recommit(sha, merged, [tip, parents[1]])
            else:
                tip = self._recommit(sha, self.git("rev-parse", f"{sha}^{{tree}}"), [tip])
        self.git("update-ref", "refs/heads/main", tip)
        self.git("reset", "-q", "--hard", "main")

    def _parents(self, sha: str) -> list[str]:
        return self.git("rev-list", "--parents", "-n1", sha).split()[1:]

    def tree_with(self, sha: str, path: str, text: str) -> str:
        """The tree of `sha` with `path` holding `text`."""
        blob = self.git("hash-object", "-w", "--stdin", stdin=text)
        index = self.root / ".git" / "tamper-index"
        env = {"GIT_INDEX_FILE": str(index)}
        self.git("read-tree", sha, env=env)
        self.git("update-index", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = self.git("write-tree", env=env)
        index.unlink()
        return tree

    def merge_adding(self, path: str) -> str:
        """The first-parent merge that added `path` to main."""
        added = self.git("log", "--first-parent", "--diff-filter=A", "--format=%H", "main", "--", path)
        return added.split()[-1]


@dataclass(frozen=True)
class Facts:
    """What the tampers may aim at, from the driven history."""

    evidence: tuple[str, ...]  # evidence of merged decisions
    records: tuple[str, ...]  # their decision records
    approved_records: tuple[str, ...]  # decision records with at least one approval
    exceptions: tuple[str, ...]  # exception files on main


def edit_decided_evidence(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.evidence[pick % len(facts.evidence)]
    clone.commit_file(path, clone.read(path).replace("title: ", "title: Amended "), "Fix the title")
    return "governed.modified"


def rewrite_record_score(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.records[pick % len(facts.records)]
    text = re.sub(r"(?m)^(  score: ).*$", r"\g<1>'1.00'", clone.read(path), count=1)
    clone.commit_file(path, text, "Correct the score")
    return "governed.modified"


def edit_decided_exception(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.exceptions[pick % len(facts.exceptions)]
    clone.commit_file(path, clone.read(path).replace("title: ", "title: Wider "), "Reword")
    return "governed.modified"


def push_a_record_directly(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.records[pick % len(facts.records)]
    change = Path(path).stem
    forged = clone.read(path).replace(change, "sneaky-1")
    clone.commit_file(str(Path(path).with_name("sneaky-1.yaml")), forged, "Add a decision")
    return "governed.direct-push"


def push_evidence_directly(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.evidence[pick % len(facts.evidence)]
    change = Path(path).stem
    text = clone.read(path).replace(change, "sneaky-2")
    clone.commit_file(str(Path(path).with_name("sneaky-2.yaml")), text, "Add evidence")
    return "governed.direct-push"


def drop_a_decision(clone: Clone, facts: Facts, pick: int) -> str:
    decisions = clone.first_parents()[1:]  # every first-parent commit after the first is a decision
    clone.rewrite(decisions[pick % (len(decisions) - 1)], None)  # any but the last: a later one links
    return "chain.broken"


def change_an_approvals_reviewer(clone: Clone, facts: Facts, pick: int) -> str:
    path = facts.approved_records[pick % len(facts.approved_records)]
    merge = clone.merge_adding(path)
    text = re.sub(r"(?m)^(- login: ).*$", r"\g<1>mallory", clone.read(path, merge), count=1)
    clone.rewrite(merge, lambda sha: clone.tree_with(sha, path, text))
    return "approval.not-member"


def push_codeowners_directly(clone: Clone, facts: Facts, pick: int) -> str:
    text = clone.read(".github/CODEOWNERS").replace("@example/cab", "@example/platform")
    clone.commit_file(".github/CODEOWNERS", text + "\n", "Hand medium changes to platform")
    return "history.unaccounted"


def merge_a_risk_model_by_hand(clone: Clone, facts: Facts, pick: int) -> str:
    """A two-parent merge by a person adding a lenient risk-model version."""
    model = (
        clone.read("risk-model/v1.0.yaml")
        .replace('version: "1.0"', 'version: "9.9"')
        .replace("low_max: 50", "low_max: 99")
    )
    clone.git("checkout", "-q", "-b", "lenient-model")
    clone.commit_file("risk-model/v9.9.yaml", model, "A lenient model")
    clone.git("checkout", "-q", "main")
    clone.git("merge", "-q", "--no-ff", "-m", "Merge lenient-model", "lenient-model")
    return "history.unaccounted"


def forge_a_decision_merge(clone: Clone, facts: Facts, pick: int) -> str:
    clone.remake_tip(None)
    return "signature.missing"


def sign_a_decision_merge_with_another_key(clone: Clone, facts: Facts, pick: int) -> str:
    from tests.signing_keys import stranger_ssh_key

    clone.remake_tip(stranger_ssh_key())
    return "signature.untrusted"


Tamper = Callable[[Clone, Facts, int], str]


TAMPERS: tuple[Tamper, ...] = (
    edit_decided_evidence,
    rewrite_record_score,
    edit_decided_exception,
    push_a_record_directly,
    push_evidence_directly,
    drop_a_decision,
    change_an_approvals_reviewer,
    push_codeowners_directly,
    merge_a_risk_model_by_hand,
    forge_a_decision_merge,
    sign_a_decision_merge_with_another_key,
)


def applicable(facts: Facts, decisions: int) -> list[Tamper]:
    """The tampers that have something to aim at in this history."""
    found: list[Tamper] = [push_codeowners_directly, merge_a_risk_model_by_hand]
    if facts.evidence:
        found += [edit_decided_evidence, rewrite_record_score, push_a_record_directly, push_evidence_directly]
    if facts.exceptions:
        found.append(edit_decided_exception)
    if decisions >= 1:
        found += [forge_a_decision_merge, sign_a_decision_merge_with_another_key]
    if decisions >= 2:
        found.append(drop_a_decision)
    if facts.approved_records:
        found.append(change_an_approvals_reviewer)
    return found
