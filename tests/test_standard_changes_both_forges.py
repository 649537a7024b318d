"""Standard changes (issue 16), on the sandbox forge and on the GitHub forge.

A template under `policy/standard-changes/` lands through a policy decision (CAB and security); a
pack that names it and meets it is then decided `standard` with no review, and one that fails it
takes the normal route with the reasons in its comment. Every scenario audits clean afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.comments import MARKER
from bot.domain.rules import policy_changes
from tests.both_forges import FORGES, Cab, assert_audits_clean, make_cab, record_of
from tests.builders import dump_yaml, standard_change
from tests.sandbox import LOW, MEDIUM

TEMPLATE = "policy/standard-changes/payments-patch.yaml"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def land_template(cab: Cab, **fields: Any) -> bytes:
    """The template, approved by CAB and security as a policy change."""
    content = dump_yaml(standard_change(**fields)).encode()
    number = cab.submit(TEMPLATE, content=content, author="alice-eng")
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.review(number, "sec-sam")
    assert cab.sync(number).outcome == "approved"
    return content


def naming(cab: Cab, path: str, name: str = "payments-patch") -> bytes:
    return cab.example(path) + f"standard_change: {name}\n".encode()


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def test_a_pack_meeting_an_approved_template_is_merged_as_standard_without_review(cab: Cab) -> None:
    content = land_template(cab)
    result = cab.sync(cab.submit(LOW, content=naming(cab, LOW)))
    assert (result.status, result.outcome, result.tier) == ("merged", "standard", "low")
    assert result.record_path is not None
    record = record_of(cab, result.record_path)
    assert record.approvals == []
    assert record.standard_change is not None
    assert (record.standard_change.path, record.standard_change.blob) == (
        TEMPLATE,
        policy_changes.git_blob_id(content),
    )


def test_a_standard_change_keeps_the_medium_tier_it_scored(cab: Cab) -> None:
    land_template(
        cab, components=["identity-gateway", "web-portal", "mobile-api", "partner-api"], max_score=75
    )
    result = cab.sync(cab.submit(MEDIUM, content=naming(cab, MEDIUM)))
    assert (result.status, result.outcome, result.tier) == ("merged", "standard", "medium")


def test_a_pack_failing_its_template_takes_the_normal_route_and_is_told_why(cab: Cab) -> None:
    land_template(cab)  # payments-api only, max 60
    number = cab.submit(MEDIUM, content=naming(cab, MEDIUM))
    result = cab.sync(number)
    assert (result.status, result.tier) == ("pending", "medium")
    comment = bot_comment(cab, number)
    assert "standard change `payments-patch` does not apply" in comment
    assert "outside the template's components" in comment
    cab.review(number, "bob-cab")
    assert cab.sync(number).outcome == "approved"


def test_a_template_that_is_not_on_the_base_branch_pre_approves_nothing(cab: Cab) -> None:
    number = cab.submit(MEDIUM, content=naming(cab, MEDIUM, "no-such-template"))
    assert cab.sync(number).status == "pending"
    assert "no template policy/standard-changes/no-such-template.yaml" in bot_comment(cab, number)


def test_a_template_requiring_attachments_refuses_a_pack_with_typed_in_numbers(cab: Cab) -> None:
    land_template(cab, required_attachments=["vulnerability_scan", "signature"])
    number = cab.submit(LOW, content=naming(cab, LOW))
    result = cab.sync(number)
    assert result.outcome == "auto_approved"  # low anyway, but not as a standard change
    comment = bot_comment(cab, number)
    assert "requires vulnerability_scan attached as tool output" in comment
    assert "requires a verified Sigstore signature" in comment
