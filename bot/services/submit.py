"""`cab submit`: from another repository's pipeline, propose a change to the CAB repository.

Each step reads before it writes (branch exists? content already committed? PR already open?), so
running it again, or after a crash at any point, ends in the same state: one branch `cab/<id>`, one
commit carrying the pack, one open PR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.adapters import files
from bot.domain import layout
from bot.domain.models import EvidencePack


class SubmitForge(Protocol):
    """What submitting needs from a code host (GitHubForge has it; the Forge protocol does not)."""

    def branch_head(self, branch: str) -> str: ...

    def ensure_branch(self, branch: str, from_sha: str) -> str: ...

    def commit_to_branch(
        self, branch: str, expected_head: str, files: Mapping[str, bytes | None], message: str
    ) -> str: ...

    def open_pull_request(self, head: str, base: str, title: str, body: str) -> int: ...


@dataclass(frozen=True)
class Submitted:
    number: int
    branch: str
    path: str
    head: str


def submit(forge: SubmitForge, evidence: Path, *, base: str = "main") -> Submitted:
    """Validate the pack, then branch, commit and open (or find) its PR."""
    loaded = files.load(evidence, EvidencePack)
    pack: EvidencePack = loaded.model
    raw = files.read_file_bytes(evidence)
    month = pack.submitted_at.strftime("%Y-%m")
    path = layout.evidence_path(pack.change_id, month)
    branch = f"cab/{pack.change_id}"
    start = forge.ensure_branch(branch, forge.branch_head(base))
    head = forge.commit_to_branch(branch, start, {path: raw}, f"cab: submit {pack.change_id}")
    body = "\n".join(_body_lines(pack, path, loaded.sha256))
    number = forge.open_pull_request(branch, base, f"CAB: {pack.title}"[:250], body)
    return Submitted(number=number, branch=branch, path=path, head=head)


def _body_lines(pack: EvidencePack, path: str, sha256: str) -> Sequence[str]:
    lines = [
        f"Change `{pack.change_id}` submitted by `{pack.requester}` for CAB review.",
        "",
        f"- evidence: `{path}` (sha256 `{sha256}`)",
    ]
    if pack.correlation_id:
        lines.append(f"- correlation id: `{pack.correlation_id}`")
    lines += ["", "CAB Bot will score this change, label it and route it to its approvers."]
    return lines
