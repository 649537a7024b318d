"""The what-if section of a risk-model change's comment: `cab simulate`'s tier-shift table for the
proposed model over the base branch's past decisions, or why it could not be computed.

Pure: the simulation (or the reason) comes in, Markdown goes out. The section is informational:
it never decides anything, so a failure to compute it is said in the comment and blocks nothing.
Its opening stamp names the model blob and the base commit it was computed for, so a later sync
of the same model on the same base reuses the bot's own section instead of reading the history again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.simulation import Simulation, markdown

END = "<!-- /cab-bot:what-if -->"
_STAMP = "<!-- cab-bot:what-if {path} {blob} {base} -->"


def stamp(model_path: str, model_blob: str, base_sha: str) -> str:
    return _STAMP.format(path=model_path, blob=model_blob, base=base_sha)


@dataclass(frozen=True)
class WhatIf:
    """One proposed model's effect: `simulation` over the `shown` most recent of `total` decisions
    on the base, or, when it could not be computed, `reason`."""

    model_path: str
    model_blob: str
    base_sha: str
    simulation: Simulation | None = None
    shown: int = 0
    total: int = 0
    reason: str = ""

    def section(self) -> str:
        command = f"`cab simulate --model {self.model_path}`"
        lines = [
            stamp(self.model_path, self.model_blob, self.base_sha),
            f"### What-if: `{self.model_path}`",
            "",
        ]
        if self.simulation is None:
            lines += [
                f"⚠️ The tier-shift table could not be computed: {_one_line(self.reason)}.",
                f"This does not hold the change; run {command} on a clone to see it.",
            ]
        else:
            lines.append(markdown(self.simulation))
            if self.shown < self.total:
                lines += [
                    "",
                    f"_Only the {self.shown} most recent of {self.total} past decisions on the base were "
                    f"re-scored here; {command} re-scores them all._",
                ]
        return "\n".join([*lines, END]) + "\n"


def reusable(comment: str, model_path: str, model_blob: str, base_sha: str) -> str | None:
    """The section a bot comment already holds for this model blob on this base, when it was computed
    (a section that says why it could not be is computed again: the reason may have passed)."""
    start = comment.find(stamp(model_path, model_blob, base_sha))
    end = comment.find(END, start)
    if start < 0 or end < 0:
        return None
    found = comment[start : end + len(END)] + "\n"
    return None if "could not be computed" in found else found


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").replace("<", "&lt;")
