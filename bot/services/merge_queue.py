"""GitHub's merge queue: the `cab/decision` check on a merge group (`merge_group` events).

The queue is GitHub's own serializer: it tests each entry on top of the entries ahead of it
(`gh-readonly-queue/...`, head = base + the queued PRs) and moves the base only to a group whose
required checks pass. The bot's check passes a group only if the decision records it adds
continue the base's hash chain as one line: a record written against an older base (another
decision queued ahead of it) names the same previous as that one, so its group fails, GitHub
takes the PR out of the queue, and its next sync writes the record again onto the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.forge.interface import Forge
from bot.domain.errors import InputError
from bot.domain.layout import classify
from bot.domain.rules import chain, records

_RECORD_KINDS = ("Decision", "ExceptionDecision")


@dataclass(frozen=True)
class QueueCheck:
    head: str
    ok: bool
    summary: str


def added_records(forge: Forge, base: str, head: str) -> list[tuple[str, str | None, str]]:
    """(record sha256, previous, path) of every decision record the group adds or changes."""
    out = []
    for path in sorted(set(forge.diff_paths(base, head))):
        governed = classify(path)
        if governed is None or governed.kind not in _RECORD_KINDS:
            continue
        raw = forge.read_file(head, path)
        if raw is None:
            continue  # removed: the audit reports a removed record
        parse = records.parse if governed.kind == "Decision" else records.parse_exception_decision
        out.append((records.record_sha256(raw, path), parse(raw, path).model.previous, path))
    return out


def check(forge: Forge, head: str, base: str) -> QueueCheck:
    """Set `cab/decision` on the group's head: success only if its records chain onto the base."""
    try:
        problems = chain.fork_problems(added_records(forge, base, head), forge.latest_decision_sha256(base))
    except InputError as exc:
        problems = [str(problem) for problem in exc.problems]
    if problems:
        summary = "; ".join(problems)
        forge.set_status(head, "failure", ("record chain: " + summary)[:140])
        return QueueCheck(head, False, summary)
    forge.set_status(head, "success", "decision records chain onto the base")
    return QueueCheck(head, True, "the group's decision records chain onto the base")
