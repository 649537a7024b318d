"""Shared steps of the freeze-window and rollout-conflict scenarios, on either forge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.layout import FREEZE_PATH
from tests.both_forges import Cab
from tests.builders import dump_yaml, freeze_calendar
from tests.sandbox import MEDIUM


def adopt_freeze(cab: Cab, *windows: Mapping[str, Any]) -> None:
    """`policy/freeze.yaml` lands through a policy decision approved by CAB and security."""
    number = cab.submit(FREEZE_PATH, content=dump_yaml(freeze_calendar(*windows)).encode())
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).status == "merged"


def rollout_pack(cab: Cab, change_id: str, start: str, end: str) -> tuple[str, bytes]:
    """The medium example (identity-gateway and three more components) as `change_id`, rolling out
    between `start` and `end` (ISO 8601 with a zone)."""
    text = cab.example(MEDIUM).replace(
        b"change_id: identity-gateway-3.0.0", f"change_id: {change_id}".encode()
    )
    window = f"rollout:\n  window: {{start: {start}, end: {end}}}\n  rings:".encode()
    return f"evidence/2026-11/{change_id}.yaml", text.replace(b"rollout:\n  rings:", window, 1)


def submit_rollout(cab: Cab, change_id: str, start: str, end: str) -> int:
    path, content = rollout_pack(cab, change_id, start, end)
    return cab.submit(path, content=content)
