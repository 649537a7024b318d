"""The one comment the bot keeps on each pull request, found again by a hidden marker."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import render
from bot.domain.errors import Problem
from bot.domain.models import ExceptionRecord
from bot.domain.rules.approval import ApprovalResult

MARKER = "<!-- cab-bot:decision -->"

STATUS_LINE = {
    "auto_approved": "✅ **Auto-approved** (low risk). The decision is recorded and merged.",
    "standard": "✅ **Standard change.** It meets a pre-approved template: recorded and merged, no review.",
    "emergency": (
        "🚨 **Emergency change approved by on-call.** Recorded and merged; the CAB reviews it "
        "afterwards (`/cab retro-approve`)."
    ),
    "approved": "✅ **Approved.** The decision is recorded and merged.",
    "conditional": "✅ **Approved with conditions.** The decision is recorded and merged.",
    "rejected": "⛔ **Rejected.** The decision is recorded and merged so the history keeps it.",
    "pending": "⏳ **Waiting for approval.**",
}
FROZEN_LINE = "🧊 **Decided, not merged: {reason}.** The first sync after the window ends merges it."
FROZEN_NOTE = "🧊 A freeze window is in force: even once decided, this change is {reason}."


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace("\n", " ")


def _policy_lines(policy: ApprovalResult, frozen: str | None = None) -> list[str]:
    status = STATUS_LINE[policy.status]
    if frozen is not None:
        status = (FROZEN_LINE if policy.decided else FROZEN_NOTE).format(reason=_escape(frozen))
    lines = [status, "", _escape(policy.summary), ""]
    if policy.approvals:
        lines.append("Approvals counted:")
        for a in policy.approvals:
            team = f"@{a.team.slug}" if a.team else "owner"
            lines.append(f"- @{a.review.user.login} ({team}) on `{a.review.commit_id[:7]}`")
        lines.append("")
    if policy.dismissed:
        lines.append("Not counted:")
        lines += [f"- {_escape(d.reason)}" for d in policy.dismissed]
        lines.append("")
    if policy.ignored_commands:
        lines.append(
            "Commands ignored (only an owner's own words count: never code blocks, quotes, "
            "or a comment someone else edited):"
        )
        lines += [f"- {_escape(text)}" for text in policy.ignored_commands]
        lines.append("")
    return lines


def decision_comment(
    scored: render.ScoredPack,
    policy: ApprovalResult,
    coverage_notes: Sequence[str],
    tier_note: str | None,
    frozen: str | None = None,
    conflicts: Sequence[str] = (),
    change_type_notes: Sequence[str] = (),
) -> str:
    """`frozen`: the freeze window holding the change (bot.domain.rules.freeze.frozen_reason);
    `conflicts`: other open changes rolling out a shared component at overlapping times;
    `change_type_notes`: why a named standard-change template or an emergency did not apply."""
    lines = [MARKER, "## CAB Bot", "", *_policy_lines(policy, frozen)]
    if conflicts:
        lines.append("⚠️ Rollout conflicts (open changes to the same components, overlapping windows):")
        lines += [f"- {_escape(text)}" for text in conflicts]
        lines.append("")
    if tier_note:
        lines += [f"> {tier_note}", ""]
    if change_type_notes:
        lines += [f"- {_escape(note)}" for note in change_type_notes]
        lines.append("")
    if coverage_notes:
        lines.append("Exceptions:")
        lines += [f"- {_escape(note)}" for note in coverage_notes]
        lines.append("")
    lines.append(render.markdown(scored))
    return "\n".join(lines) + "\n"


def exception_comment(record: ExceptionRecord, sha256: str, policy: ApprovalResult) -> str:
    lines = [MARKER, f"## CAB Bot: accepted-risk exception `{record.id}`", "", *_policy_lines(policy)]
    lines += [
        f"Expires {record.expires_at.isoformat()}; compensating controls:",
        *[
            f"- {_escape(c.control)} (verified by: {_escape(c.verification)})"
            for c in record.compensating_controls
        ],
        "",
        f"Exception sha256 `{sha256}`",
    ]
    return "\n".join(lines) + "\n"


def problems_comment(title: str, problems: Sequence[Problem | str]) -> str:
    lines = [MARKER, "## CAB Bot", "", f"⛔ **{title}**", ""]
    lines += [f"- `{_escape(str(p))}`" for p in problems]
    lines += ["", "Nothing is merged until these are fixed. Push a fix and the bot re-checks."]
    return "\n".join(lines) + "\n"


def held_comment(comment: str, branch: str, why: str) -> str:
    """The plan's own comment, with why its decision is not recorded: the base branch's tip."""
    lines = [
        comment.rstrip("\n"),
        "",
        f"⏸️ **Held: no decision is recorded while `{_escape(branch)}` has a commit nobody accounts for**",
        "",
        f"- `{_escape(why)}`",
        "",
        "Every commit on the default branch must be the bot's decision merge or be listed in "
        "`policy/history.yaml`. The bot decides nothing on top of one that is not: its merge would stand "
        "behind rules the CAB never approved. Revert the commit through a pull request, or accept it in a "
        "policy change to `policy/history.yaml` (approved by CAB and security, like any policy change); "
        "then the bot re-checks.",
    ]
    return "\n".join(lines) + "\n"


def policy_change_comment(
    decision_id: str, paths: Sequence[tuple[str, str | None]], policy: ApprovalResult
) -> str:
    """The comment on a policy change: who must approve, and every path with the blob it brings."""
    lines = [MARKER, f"## CAB Bot: policy change `{decision_id}`", "", *_policy_lines(policy)]
    lines += ["A policy change needs an approval from CAB and from security, by two different people.", ""]
    lines.append("Paths changed (blob ids, as recorded):")
    lines += [f"- `{_escape(path)}` {f'`{blob[:12]}`' if blob else 'deleted'}" for path, blob in paths[:50]]
    if len(paths) > 50:
        lines.append(f"- … and {len(paths) - 50} more")
    return "\n".join(lines) + "\n"


def codeowners_lint_section(problems: Sequence[str]) -> str:
    """Why a policy change that brings a CODEOWNERS GitHub cannot fully use waits (`cab lint --online`)."""
    lines = [
        "",
        f"⛔ **CODEOWNERS lint: {len(problems)} problem(s).** This policy change waits until they are",
    ]
    lines += ["fixed; approvals alone do not merge it. Push a fix and the bot re-checks.", ""]
    lines += [f"- `{_escape(p)}`" for p in problems[:50]]
    if len(problems) > 50:
        lines.append(f"- … and {len(problems) - 50} more (`cab lint --online` lists them all)")
    return "\n".join(lines) + "\n"
