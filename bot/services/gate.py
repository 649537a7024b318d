"""`cab verify`'s fast path: the deployment gate without parsing the record with the models.

The gate runs in every deployment pipeline, so it must start fast (benchmarks/bench_startup.py).
It checks the commit signatures with the full path's rule, reading the signers policy with
bot.domain.rules.gate_signers (no pydantic; `unsigned`, the full path's, reads it with the model),
reads the record with bot.domain.rules.gate_record (only the fields the verdict depends on,
each held to the schema's rule) and the evidence's canonical hash with the strict YAML loader, and
applies the same rules (`provenance`, `verify`) as the full path in bot.services.queries. It only
ever answers "ok": for anything else it answers None and the full path decides, with its own
messages and exit codes, so a refusal reads exactly as it always did.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.adapters.git.blobs import GitBlobs, NotAFile, RepositoryError
from bot.domain.canonical import content_sha256
from bot.domain.errors import InputError
from bot.domain.git_objects import CommitHeader, LogEntry
from bot.domain.identity import BotIdentity
from bot.domain.layout import FREEZE_PATH, POLICY_PREFIXES, SIGNERS_PATH, classify
from bot.domain.patterns import CHANGE_ID_PATTERN
from bot.domain.rules import gate_history, gate_record
from bot.domain.rules.deployment_gate import Arrival, Verdict, provenance, verify
from bot.domain.rules.history import (
    HISTORY_PATH,
    STRICT,
    HistoryPolicy,
    parse_policy,
    policy_unaccounted,
    signers_unaccounted,
)
from bot.domain.strict_yaml import load_bytes

if TYPE_CHECKING:  # types only: the models cost the gate's start-up time
    from bot.adapters.git.signatures import TrustedKeys
    from bot.domain.models import Decision, EvidencePack

DECISION_TIERS = ("low", "medium", "high")
# Outcomes whose own rule the full path re-checks (bot.services.queries.change_type_problems).
RECHECKED_OUTCOMES = ("standard", "emergency")
SignedCheck = Callable[[Arrival], "str | None"]  # why a policy merge is not signed as trusted, or None


def record_paths(blobs: GitBlobs, sha: str, change_id: str) -> list[str]:
    """`decisions/<tier>/<month>/<id>.yaml` at a commit, found by its shape: one tree read per
    month directory of each tier, never a listing of every record (which grows with history)."""
    if not re.fullmatch(CHANGE_ID_PATTERN, change_id):
        return []
    found = []
    for tier in DECISION_TIERS:
        for path in blobs.files_named(sha, f"decisions/{tier}", f"{change_id}.yaml"):
            governed = classify(path)
            if governed is not None and governed.kind == "Decision" and governed.id == change_id:
                found.append(path)
    return found


def arrival(blobs: GitBlobs, tip: str, path: str) -> Arrival | None:
    """The first-parent commit of `tip` that brought the record's current bytes, as the gate judges it."""
    found = blobs.arrival(tip, path)
    if found is None:
        return None
    sha, before = found
    commit = blobs.commit(sha)
    record_commit = blobs.commit(commit.parents[1]) if len(commit.parents) == 2 else None
    return Arrival(path, commit, before is None, record_commit)


def pinned_ref(blobs: GitBlobs, ref: str, allow_ref: bool) -> tuple[str, Verdict | None]:
    """The tip to check, and a refusal when `ref` is not the default branch and that was not allowed."""
    whole_history(blobs)
    tip = blobs.commit_id(ref)
    if tip is None:
        raise RepositoryError(f"unknown revision {ref!r}")
    default = blobs.default_branch()
    if default is not None and default[1] == tip:
        return tip, None
    if allow_ref:
        return tip, None
    where = (
        f"the default branch {default[0]} ({default[1][:12]})"
        if default
        else "no default branch (origin/HEAD, origin/main or main)"
    )
    return tip, Verdict(
        False,
        f"--ref {ref} ({tip[:12]}) is not {where}; the gate checks only the default branch "
        "(pass --allow-ref to check another ref)",
    )


def whole_history(blobs: GitBlobs) -> None:
    """Refuse a shallow clone (exit 2): its first-parent line ends early, so a policy change just
    past the cut would go unseen and the gate would pass what a full clone refuses. Deployment
    pipelines meet this first: `actions/checkout` fetches one commit unless told otherwise."""
    if blobs.is_shallow():
        raise RepositoryError(
            f"{blobs.git.root}: is a shallow clone, and the gate needs the whole history to tell where a "
            "decision came from and what changed the policy before it; fetch it (`git fetch --unshallow`, "
            "or `fetch-depth: 0` for actions/checkout) and run cab verify again"
        )


def _policy_at_base(blobs: GitBlobs, arrival: Arrival) -> tuple[str, bytes | None]:
    """The merge's base, and `policy/signers.yaml` there (None: not there as a plain file)."""
    base = arrival.commit.parents[0]
    try:
        return base, blobs.read_file(base, SIGNERS_PATH, plain=True)
    except NotAFile:
        return base, None


def anchored(blobs: GitBlobs, tip: str, anchor: str | None) -> Verdict | None:
    """None when `anchor` (a tip `cab audit --print-anchor` published) is still an ancestor of
    `tip`, or when there is none; else the refusal. A reset that erased a rejection, or one
    rewritten decision, changes every later commit id: the published tip is then not an ancestor,
    and no change passes the gate on that history, offline, in a fresh clone."""
    if anchor is None:
        return None
    found = blobs.commit_id(anchor)
    if found is None:
        return Verdict(
            False,
            f"anchor {anchor} is not in this clone: fetch the default branch (or it was rewritten away)",
        )
    if not blobs.is_ancestor(found, tip):
        return Verdict(
            False,
            f"anchor {found[:12]} is not an ancestor of {tip[:12]}: the history was rewritten after the "
            "anchor was published",
        )
    return None


def unsigned(blobs: GitBlobs, arrival: Arrival | None) -> Verdict | None:
    """None when the decision merge and its final-record commit are signed by keys that
    `policy/signers.yaml` at the merge's base trusts (the audit's rule); else why not."""
    from bot.adapters.git.signatures import trusted_keys  # the policy as a model: pydantic

    if arrival is None or arrival.record_commit is None:
        return None  # provenance has refused it already
    base, raw = _policy_at_base(blobs, arrival)
    return signature_verdict(arrival, trusted_keys(raw, f"base {base[:12]}"))


def signature_verdict(arrival: Arrival, keys: TrustedKeys) -> Verdict | None:
    """None when both bot commits of `arrival` are signed by a key of `keys` that the rule
    (bot.domain.rules.commit_signatures, the audit's) trusts for them; else the refusal."""
    from bot.domain.rules.commit_signatures import signature_problem

    assert arrival.record_commit is not None
    for commit, role in ((arrival.commit, "decision merge"), (arrival.record_commit, "final-record commit")):
        problem = signature_problem(commit, role, keys.verify(commit))
        if problem is not None:
            return Verdict(False, f"{arrival.path}: {problem[1]} ({problem[0]})")
    return None


def _history_policy(blobs: GitBlobs, tip: str) -> HistoryPolicy:
    """`policy/history.yaml` at the tip, as the audit reads it; unreadable: refused (fail closed)."""
    return parse_policy(blobs.read_file(tip, HISTORY_PATH, plain=True), tip[:12])


def _light_history_policy(blobs: GitBlobs, tip: str) -> HistoryPolicy | None:
    """The same without the model (bot.domain.rules.gate_history); None: the full path reads it."""
    raw = blobs.read_file(tip, HISTORY_PATH, plain=True)
    return STRICT if raw is None else gate_history.read(_plain_data(raw, HISTORY_PATH))


def _policy_changes(
    blobs: GitBlobs, arrival: Arrival, policy: HistoryPolicy, bot: BotIdentity, signed: SignedCheck
) -> Verdict | None:
    """None when every first-parent commit before the decision's base that changed the CAB's
    policy (CODEOWNERS, the risk model, `policy/`, workflows, the bot's code) is accounted for
    (`history.policy_unaccounted`) and, where it is the bot's, signed (`signed`: why not, or
    None); else the first that is not. A decision judged under rules nobody decided is no
    approval, whatever the audit says later."""
    base = arrival.commit.parents[0]
    stop = policy.start if policy.start and blobs.on_first_parent_line(base, policy.start) else None
    walk = blobs.first_parents_touching(base, POLICY_PREFIXES, stop)
    for sha, parents, paths in walk:
        header = blobs.commit(sha)
        why = policy_unaccounted(LogEntry(sha, parents, ()), header, bot, policy)
        if why is None and len(parents) == 2 and sha not in policy.accepted:
            why = signed(_policy_merge(blobs, header))
        if why is not None:
            changed = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            return Verdict(
                False,
                f"{arrival.path} was decided under policy that commit {sha[:12]} changed ({changed}): {why}",
            )
    changes = [(sha, parents) for sha, parents, paths in walk if SIGNERS_PATH in paths]
    if stop is not None:  # the start is only as trustworthy as the signed commits that wrote it
        changes += [(sha, parents) for sha, parents, _ in blobs.first_parents_touching(stop, (SIGNERS_PATH,))]
    return _signers_unproven(blobs, arrival, changes, bot, signed)


def _policy_merge(blobs: GitBlobs, header: CommitHeader) -> Arrival:
    """A policy merge on the first-parent line, with its final-record commit, for `signed`."""
    return Arrival(f"policy merge {header.sha[:12]}", header, False, blobs.commit(header.parents[1]))


def _signers_unproven(
    blobs: GitBlobs,
    arrival: Arrival,
    changes: list[tuple[str, tuple[str, ...]]],
    bot: BotIdentity,
    signed: SignedCheck,
) -> Verdict | None:
    """None when `policy/signers.yaml` at the decision's base came to be as policy allows: its
    first version (laid out when CAB Bot was set up: the root of trust), then approved policy
    decisions only, each signed by keys the version before it trusts (`signers_unaccounted`);
    else the refusal. `changes`: every first-parent commit that changed the file, newest first,
    back to its first version (the last), whatever the recorded start says."""
    for sha, parents in changes[:-1]:
        header = blobs.commit(sha)
        why = signers_unaccounted(LogEntry(sha, parents, ()), header, bot)
        if why is None:
            why = signed(_policy_merge(blobs, header))
        if why is not None:
            return Verdict(
                False,
                f"{arrival.path} is checked with the keys of {SIGNERS_PATH}, which commit {sha[:12]} "
                f"changed: {why}",
            )
    return None


def ungoverned(blobs: GitBlobs, tip: str, arrival: Arrival | None, bot: BotIdentity) -> Verdict | None:
    """The full path's check that the decision's policy was decided (`_policy_changes`)."""
    if arrival is None or not arrival.commit.parents:
        return None  # provenance has refused it already
    try:
        policy = _history_policy(blobs, tip)
    except (InputError, NotAFile) as exc:
        return Verdict(False, f"{HISTORY_PATH} on the default branch cannot be read, so none stands: {exc}")

    def why_unsigned(came: Arrival) -> str | None:
        refused = unsigned(blobs, came)
        return None if refused is None else refused.reason.removeprefix(f"{came.path}: ")

    return _policy_changes(blobs, arrival, policy, bot, why_unsigned)


def _governed(blobs: GitBlobs, tip: str, arrival: Arrival, bot: BotIdentity) -> bool:
    """The light path's `ungoverned(...) is None`: False also when a policy does not read lightly."""
    policy = _light_history_policy(blobs, tip)
    if policy is None:
        return False
    verdict = _policy_changes(
        blobs, arrival, policy, bot, lambda came: None if signed(blobs, came) else "not signed as trusted"
    )
    return verdict is None


def signed(blobs: GitBlobs, arrival: Arrival) -> bool:
    """The light path's `unsigned(...) is None`: False also when the policy does not read lightly."""
    from bot.adapters.git.signatures import light_trusted_keys  # no pydantic

    if arrival.record_commit is None:
        return False
    base, raw = _policy_at_base(blobs, arrival)
    keys = light_trusted_keys(raw, f"base {base[:12]}")
    return keys is not None and signature_verdict(arrival, keys) is None


def calendar_at_base(blobs: GitBlobs, arrival: Arrival) -> bytes | None:
    """`policy/freeze.yaml` at the decision merge's base (None: no calendar there), as the audit
    reads it; a path that is not a plain file reads as text no calendar parses."""
    try:
        return blobs.read_file(arrival.commit.parents[0], FREEZE_PATH, plain=True)
    except NotAFile:
        return b"not a regular file"


def frozen(blobs: GitBlobs, arrival: Arrival, record: Decision, pack: EvidencePack | None) -> Verdict | None:
    """A refusal when the decision was taken inside a freeze window of the calendar at its base
    (the audit's `freeze.*` rules), else None."""
    from bot.domain.base_branch import read_calendar  # the models: only when there is a calendar
    from bot.domain.rules.freeze import breach, components, exempt

    raw = calendar_at_base(blobs, arrival)
    if raw is None or record.decided_at is None or (pack is not None and exempt(pack)):
        return None
    calendar, error = read_calendar(raw)
    broken = breach(calendar, error, components(pack) if pack else [], record.decided_at, record.change_id)
    return None if broken is None else Verdict(False, f"{broken[1]} ({broken[0]})")


def retro_late(
    blobs: GitBlobs, tip: str, path: str, record: Decision, now: dt.datetime, bot: BotIdentity
) -> Verdict | None:
    """A refusal when `record` is an emergency change whose CAB retro-review is overdue at `now`
    (the audit's `emergency.retro-overdue`, `rules.emergency.retro_overdue`), else None. Only a
    retro-approval the bot's signed merge brought to the branch, for this decision, by `now`,
    counts. A late one still approves the change: its lateness is the audit's finding."""
    from bot.domain.rules.emergency import retro_overdue

    if record.emergency is None:
        return None
    approved_at, not_counted = _retro_approved_at(blobs, tip, path, record.change_id, bot)
    if approved_at is not None and approved_at <= now:
        return None
    why = retro_overdue(record.emergency.retro_due, None, now)
    if why is None:
        return None
    return Verdict(
        False,
        f"{record.change_id} is an emergency change whose CAB retro-review is overdue: {why}{not_counted}",
    )


def _retro_approved_at(
    blobs: GitBlobs, tip: str, path: str, change_id: str, bot: BotIdentity
) -> tuple[dt.datetime | None, str]:
    """When the CAB retro-approved the decision at `path`, and, when a record is there but does
    not count, why not (to append to the refusal)."""
    from bot.domain import documents
    from bot.domain.models import RetroApproval

    found = [
        p
        for p in blobs.files_named(tip, "decisions/retro", f"{change_id}.yaml")
        if (governed := classify(p)) is not None and governed.kind == "RetroApproval"
    ]
    if not found:
        return None, ""
    if len(found) > 1:
        return None, f" ({len(found)} retro-approval records: {', '.join(found)})"
    came = arrival(blobs, tip, found[0])
    refused = provenance(came, found[0], bot) or unsigned(blobs, came)
    if refused is not None:
        return None, f" ({refused.reason})"
    raw = blobs.read_file(tip, found[0])
    try:
        retro = documents.parse(raw or b"", found[0], RetroApproval).model
    except InputError as exc:
        return None, f" ({found[0]} cannot be read: {exc})"
    if retro.decision.path != path:
        return None, f" ({found[0]} approves {retro.decision.path}, not {path})"
    return retro.decided_at, ""


def _plain_data(raw: bytes, path: str) -> object | None:
    """The YAML's data for a light reading; None when the strict loader refuses it."""
    try:
        data: object = load_bytes(raw, path, positions=False).data
    except InputError:
        return None
    return data


def _data(blobs: GitBlobs, sha: str, path: str) -> object | None:
    raw = blobs.read_file(sha, path)
    return None if raw is None else load_bytes(raw, path, positions=False).data


def verify_light(
    blobs: GitBlobs,
    ref: str,
    change_id: str,
    now: dt.datetime,
    bot: BotIdentity,
    *,
    allow_ref: bool = False,
    anchor: str | None = None,
) -> Verdict | None:
    """The gate's "ok" when the light reading proves it; None when the full path must decide."""
    try:
        tip, refused = pinned_ref(blobs, ref, allow_ref)
        refused = refused or anchored(blobs, tip, anchor)
        paths = record_paths(blobs, tip, change_id) if refused is None else []
        if len(paths) != 1:
            return None
        record = gate_record.read(_data(blobs, tip, paths[0]))
        if record is not None and record.outcome in RECHECKED_OUTCOMES:
            return None  # the full path judges the pack against its change type again
        came = arrival(blobs, tip, paths[0])
        if record is None or came is None or provenance(came, paths[0], bot) is not None:
            return None
        if not signed(blobs, came) or not _governed(blobs, tip, came, bot):
            return None
        if calendar_at_base(blobs, came) is not None:
            return None  # a freeze calendar: the full path checks the decision against it
        evidence = _data(blobs, tip, record.evidence.path)
    except InputError:
        return None  # the full path reads it again and says where it is wrong
    current = None if evidence is None else content_sha256(evidence)
    verdict = verify(record, current, now)
    return verdict if verdict.ok else None
