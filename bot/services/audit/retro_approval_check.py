"""Verify one retro-approval merge: a CAB member approved a merged emergency change afterwards.

The bot lands `decisions/retro/<yyyy-mm>/<change-id>.yaml` (kind `RetroApproval`) on a branch of its
own with `bot.domain.rules.trailers.RetroTrailers` on the merge. Such a merge adds only its record;
the emergency decision it names is at the base with the recorded sha256; and each approver may give
it (`bot.domain.rules.emergency.retro_refusal`, the bot's rule). Pure: reads only an ObjectStore.
"""

from __future__ import annotations

from bot.domain.errors import InputError
from bot.domain.git_objects import CommitHeader, LogEntry
from bot.domain.layout import GovernedPath, classify, decision_path
from bot.domain.models import Decision, EvidencePack, RetroApproval
from bot.domain.pull_request import Team, User
from bot.domain.rules import emergency, records
from bot.domain.rules.codeowners import first_found, owners_for, team_slugs
from bot.domain.rules.trailers import differences, of_retro_approval, parse, retro_from_message
from bot.services.audit.change_types_check import StoreBlobs
from bot.services.audit.merge_check import (
    ChainLink,
    CommitResult,
    MergeCheck,
    load,
    none_if_none,
    problems_text,
)

SHAPE = "decisions/retro/<yyyy-mm>/<change-id>.yaml"


def decides_a_retro(entry: LogEntry, header: CommitHeader) -> bool:
    if "Cab-Retro-Approval" in parse(header.message):
        return True
    kinds = {g.kind for c in entry.changes if c.status == "A" and (g := classify(c.path)) is not None}
    return kinds == {"RetroApproval"} and "Cab-Change" not in parse(header.message)


def _decision_month(governed: GovernedPath, record: RetroApproval) -> list[str]:
    month = record.decision.path.split("/")[2]
    return [] if governed.month == month else [f"month {governed.month} but its decision is under {month}"]


class RetroApprovalCheck(MergeCheck):
    record_kind: records.RecordKind = "RetroApproval"

    def run(self) -> CommitResult:
        if not self.check_shape():
            return self.result
        trailers = retro_from_message(self.header.message)
        path = self.record_path(trailers.record if trailers else None, "Cab-Retro-Approval")
        if path is None:
            return self.result
        said = ChainLink(trailers.record_sha256, none_if_none(trailers.previous)) if trailers else None
        loaded = self.added_record(path, said, RetroApproval, SHAPE, _decision_month)
        if loaded is None:
            return self.result
        record: RetroApproval = loaded.model
        if trailers is not None:
            for key, have, want in differences(trailers, of_retro_approval(record, loaded.sha256, path)):
                self.find("trailers.mismatch", path, f"{key} says {have!r} but the record has {want!r}")
        self.review_structure(record.change_id, path)
        for problem in self._problems(record):
            self.find("emergency.retro-not-allowed", path, problem)
        self.result.retro_approval = (record.change_id, record.decided_at.isoformat())
        return self.result

    def _problems(self, record: RetroApproval) -> list[str]:
        """The emergency decision at the base, and whether each approver may retro-approve it."""
        base = self.header.parents[0]
        blobs = StoreBlobs(self.store)
        raw = blobs.read_file(base, record.decision.path)
        if raw is None:
            return [f"{record.decision.path} is not at the base: nothing to retro-approve"]
        try:
            loaded = load(raw, f"{base[:12]}:{record.decision.path}", Decision)
        except InputError as exc:
            return [f"{record.decision.path} cannot be parsed: {problems_text(exc)}"]
        decision: Decision = loaded.model
        if loaded.sha256 != record.decision.sha256:
            return [f"{record.decision.path} at the base hashes to {loaded.sha256}, not the recorded sha256"]
        if decision.outcome != "emergency" or decision.emergency is None:
            return [f"{record.change_id} was decided {decision.outcome}, not as an emergency"]
        problems = []
        if record.retro_due != decision.emergency.retro_due:
            problems.append(f"retro_due {record.retro_due.isoformat()} is not the decision's")
        requester = None
        pack_raw = blobs.read_file(base, decision.evidence.path)
        if pack_raw is not None:
            try:
                requester = load(pack_raw, decision.evidence.path, EvidencePack).model.requester
            except InputError:
                requester = None
        codeowners = first_found(lambda location: blobs.read_file(base, location)) or ""
        month = record.decision.path.split("/")[2]
        cab = set(team_slugs(owners_for(codeowners, decision_path(record.change_id, "medium", month))))
        for approver in record.approvals:
            if approver.team.lstrip("@").lower() not in cab:
                problems.append(
                    f"@{approver.login} approved for {approver.team}, which does not own medium decisions"
                )
                continue
            who = User(approver.login, approver.user_id)
            members = tuple(
                User(login, approver.user_id if login.lower() == approver.login.lower() else -1)
                for login in approver.team_members
            )
            team = Team(approver.team.lstrip("@").lower(), approver.team_id or -1, members)
            why = emergency.retro_refusal(who, approver.approved_at, [team], decision, requester)
            if why is not None:
                problems.append(why)
        return problems
