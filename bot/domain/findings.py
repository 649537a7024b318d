"""The audit's rules, by stable id, and the finding value every check returns.

Rule ids are part of the JSON report's contract (docs/audit-report.md): add new ones, never
rename or reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES: dict[str, str] = {
    "anchor.not-ancestor": "the recorded anchor commit is no longer an ancestor of the audited branch",
    "history.unaccounted": (
        "a first-parent commit after the recorded start is neither the bot's decision merge nor listed "
        "in policy/history.yaml (a direct push, a merge by a person, a squash merge)"
    ),
    "history.start-not-found": (
        "policy/history.yaml names a start that is not a first-parent commit of the branch"
    ),
    "history.policy-unparseable": (
        "policy/history.yaml at the audited tip cannot be parsed or breaks the schema"
    ),
    "history.rewritten": (
        "the tip an earlier audit of this repository verified is no longer an ancestor of the branch"
    ),
    "chain.broken": "a decision's `previous` is not the record sha256 of the decision before it",
    "governed.modified": "a governed file was modified outside a decision merge",
    "governed.deleted": "a governed file was deleted",
    "governed.renamed": "a governed file was renamed",
    "governed.direct-push": "a governed file was added by a non-merge commit (a push that bypassed PRs)",
    "governed.outside-decision": "evidence or a decision record was added outside its decision merge",
    "governed.bad-path": (
        "a file under a governed directory does not have a governed path shape, or its top-level folder "
        "is not ASCII or looks like a governed one"
    ),
    "governed.bad-file": "a governed path is not a regular file (symlink, submodule, executable)",
    "risk-model.edited": "a risk-model version file was edited after it was merged",
    "merge.not-two-parents": "a decision merge does not have exactly two parents",
    "merge.tree-mismatch": (
        "the merge introduces, relative to its first parent, something other than what its PR head "
        "changes relative to their merge base"
    ),
    "merge.unreviewed-change": "the PR head differs from the reviewed commit by more than the record",
    "identity.merge-not-bot": (
        "the decision merge was not authored by the bot, or not committed by the bot or GitHub's merge API"
    ),
    "identity.record-commit-not-bot": (
        "the final-record commit was not authored by the bot, or not committed by the bot or by GitHub "
        "(createCommitOnBranch)"
    ),
    "signature.missing": "a decision merge or final-record commit carries no signature",
    "signature.untrusted": (
        "a decision merge or final-record commit is signed by a key that policy/signers.yaml at the "
        "decision's base does not list for its committer's e-mail at its commit time"
    ),
    "signature.invalid": "a decision merge's or final-record commit's signature does not verify",
    "trailers.incomplete": "a decision merge lacks a complete, unambiguous set of Cab-* trailers",
    "trailers.mismatch": "a merge trailer disagrees with the decision record",
    "record.not-added": "the record named by the trailers is not added by the merge",
    "record.unparseable": "the decision record cannot be parsed or breaks the schema",
    "emergency.not-allowed": (
        "an `emergency` decision the emergency policy at its base does not allow: no approved policy, "
        "a pack that declares no emergency, or a record whose incident, on-call teams, policy blob or "
        "retro-review due date differ from what the policy gives"
    ),
    "emergency.retro-overdue": (
        "an emergency change whose CAB retro-review (`/cab retro-approve`) was not given within the "
        "policy's retro_review_days, as of the audit's time"
    ),
    "emergency.retro-not-allowed": (
        "a retro-approval by someone who may not give it (not in the CAB team, or the change's author, "
        "requester or on-call approver), or of a decision that is not an emergency at its base"
    ),
    "standard.not-met": (
        "a `standard` decision whose pack does not meet its template as the decision's base held it, "
        "whose template was not there or not brought by an approved policy decision, or whose record "
        "names another template or blob"
    ),
    "record.misplaced": "the record's path disagrees with its content (id, tier or month)",
    "record.not-final": "a merged record is still pending or lacks its decision time",
    "evidence.missing": "the evidence named by the record is absent at the deciding commit",
    "evidence.not-in-decision": "the evidence was not added by its decision merge",
    "evidence.unparseable": "the evidence pack cannot be parsed or breaks the schema",
    "evidence.hash-mismatch": "the evidence at the deciding commit does not hash to the recorded sha256",
    "evidence.misplaced": "the evidence's path disagrees with its content or the record",
    "model.missing": "the recorded risk-model version is absent at the base commit",
    "model.unparseable": "the risk model at the base commit cannot be parsed",
    "model.hash-mismatch": "the risk model at the base commit does not hash to the recorded sha256",
    "score.mismatch": "re-scoring the evidence gives a different score, tier or breakdown",
    "evidence.attachment-mismatch": (
        "a sourced value in the pack differs from what its attached tool output gives "
        "(field, declared, derived)"
    ),
    "score.override-unjustified": (
        "a change decision claims a tier override; a policy change is decided by a PolicyDecision instead"
    ),
    "score.policy-change-not-high": (
        "retired (policy changes are no longer forced to high): see policy.undecided-change"
    ),
    "policy.undecided-change": (
        "a policy path (CODEOWNERS, workflows, policy/, the bot's code, pyproject.toml) changed in a commit "
        "that is no approved policy decision"
    ),
    "policy.signers-undecided": (
        "policy/signers.yaml (who signs for the bot) changed after its first version in a commit that is no "
        "approved policy decision: a commit policy/history.yaml accepts, or one before the start, included"
    ),
    "policy.undecided-model": (
        "a risk-model version was merged without an approved policy decision (the bot never scores with it)"
    ),
    "policy.paths-mismatch": (
        "what a policy decision's merge brings differs from the paths and blobs it records"
    ),
    "policy.rejected-landed": "a rejected policy decision's merge brings more than its record",
    "policy.teams-missing": (
        "an approved policy decision whose record fewer than two teams own (CAB and security)"
    ),
    "freeze.merged-in-window": (
        "a change decision was taken (decided_at) inside a window of policy/freeze.yaml at its base "
        "that covers its components"
    ),
    "freeze.calendar-unreadable": (
        "a change was merged while policy/freeze.yaml at its base could not be read (the bot holds every "
        "change then)"
    ),
    "outcome.invalid": "the outcome is not allowed for the tier (e.g. auto_approved above low)",
    "approval.missing": "the tier requires an approval by an owner and none counts",
    "approval.not-owner": "the approver's team does not own the record in the base commit's CODEOWNERS",
    "approval.not-member": "the approver is not in the recorded membership of their team",
    "approval.self": "the approver is the PR author or the change's requester",
    "approval.bot": "the approver is a bot",
    "approval.stale": "the approval was given on another commit or other evidence",
    "approval.no-pull-request": "an approval is recorded but the record names no pull request",
    "approval.before-membership": (
        "the approval was given before its reviewer's first recorded membership of the team (or the "
        "reviewer is not in the record's membership snapshot)"
    ),
    "exception.missing": "a high-tier approval relies on no exception",
    "exception.not-at-base": "an exception relied on does not exist in exceptions/ at the base commit",
    "exception.unparseable": "an exception relied on cannot be parsed",
    "exception.hash-mismatch": "the exception at the base commit differs from what the record cites",
    "exception.expired": "an exception relied on expired before the decision",
    "exception.not-covering": "an exception relied on does not cover this change",
    "exception.not-approved": "an exception relied on has no approved decision on that version at the base",
    "exception-decision.exception-not-added": "an exception decision's merge does not add its exception",
    "exception-decision.hash-mismatch": "the exception file differs from what its exception decision records",
    "exception-decision.misplaced": "the exception's path disagrees with its content or its decision",
    "exception-decision.unexpected-change": "the merge changes more than the exception and its record",
    "exception-decision.expiry": "an approved exception expires before its decision or over 90 days after it",
    # --online: what the GitHub API says now contradicts the record
    "online.pull-request-missing": "GitHub has no pull request with the number the record names",
    "online.review-missing": "the recorded review id is not a review of the record's pull request on GitHub",
    "online.review-other-user": "on GitHub the recorded review was given by another user id than recorded",
    "online.review-not-approved": "on GitHub the recorded review is not in the APPROVED state",
    "online.review-other-commit": "on GitHub the recorded review is on another commit than reviewed_sha",
    "online.team-missing": "the approver's team no longer exists on GitHub (or the token cannot see it)",
    "online.team-id-changed": "the approver's team slug now names a team with another id than recorded",
    "online.decision-missing": (
        "GitHub lists a pull request as merged into the default branch whose decision merge (the commit "
        "GitHub merged it as) is not on the first-parent line"
    ),
    "online.decision-without-pull-request": (
        "a decision merge is not the merge of any pull request GitHub lists as merged into the default branch"
    ),
}


@dataclass(frozen=True)
class Finding:
    """One violated rule, located at a commit and (when there is one) a file."""

    rule: str
    commit: str
    path: str | None
    message: str

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown audit rule {self.rule!r}")

    def as_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "commit": self.commit, "path": self.path, "message": self.message}
