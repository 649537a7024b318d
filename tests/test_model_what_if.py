"""A pull request proposing a risk model shows `cab simulate`'s table in its comment (issue 16):
on both forges, bounded, and failing soft (the comment says why; the change is not held by it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.forge.interface import ForgeError
from bot.domain.comments import MARKER
from bot.domain.model_what_if import WhatIf, reusable
from bot.domain.simulation import Simulation
from bot.services import model_what_if
from tests.both_forges import FORGES, Cab, SandboxCab, assert_audits_clean, make_cab
from tests.sandbox import DATA, LOW, MEDIUM

MODEL = "risk-model/v1.1.yaml"
CODEOWNERS = ".github/CODEOWNERS"


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxCab]:
    for made in make_cab("sandbox", tmp_path):
        assert isinstance(made, SandboxCab)
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def model(low_max: int = 50, medium_max: int = 75) -> bytes:
    text = (DATA / "risk-model" / "v1.0.yaml").read_bytes()
    return (
        text.replace(b'version: "1.0"', b'version: "1.1"')
        .replace(b"low_max: 50", b"low_max: %d" % low_max)
        .replace(b"medium_max: 75", b"medium_max: %d" % medium_max)
    )


def decide_low_and_medium(cab: Cab) -> None:
    """Two past decisions on main: a low change auto-approved, a medium one approved by the CAB."""
    cab.sync(cab.submit(LOW))
    number = cab.submit(MEDIUM)
    cab.sync(number)
    cab.review(number, "bob-cab")
    assert cab.sync(number).status == "merged"


def bot_comment(cab: Cab, number: int) -> str:
    [found] = [body for body in cab.comments(number) if MARKER in body]
    return found


def test_a_stricter_model_shows_which_past_decisions_move_tier(cab: Cab) -> None:
    decide_low_and_medium(cab)
    number = cab.submit(MODEL, content=model(low_max=1, medium_max=2))
    assert cab.sync(number).status == "pending"  # the table informs the reviewers; they still decide
    body = bot_comment(cab, number)
    assert "### What-if: `risk-model/v1.1.yaml`" in body
    assert "### Re-scoring 2 past decisions under model 1.1" in body and "2 change tier." in body
    assert "| `payments-api-7.4.2` | auto_approved | low" in body
    assert "| `identity-gateway-3.0.0` | approved | medium" in body


def test_a_model_that_moves_nothing_says_so(cab: Cab) -> None:
    decide_low_and_medium(cab)
    number = cab.submit(MODEL, content=model())
    cab.sync(number)
    body = bot_comment(cab, number)
    assert "0 change tier." in body and "| change | outcome |" not in body


def test_a_policy_change_without_a_model_has_no_table(cab: Cab) -> None:
    current = cab.main_file(CODEOWNERS)
    assert current is not None
    number = cab.submit(CODEOWNERS, content=current + b"/docs/ @example/cab\n")
    cab.sync(number)
    assert "What-if" not in bot_comment(cab, number)


def test_an_invalid_model_says_the_table_could_not_be_computed_and_why(cab: Cab) -> None:
    number = cab.submit(MODEL, content=model().replace(b"kind: RiskModel", b"kind: RiskModel\nextra: 1"))
    assert cab.sync(number).status == "pending"
    body = bot_comment(cab, number)
    assert "⚠️ The tier-shift table could not be computed: risk-model/v1.1.yaml:" in body
    assert "run `cab simulate --model risk-model/v1.1.yaml` on a clone" in body


def test_a_forge_failure_reading_the_history_is_said_in_the_comment_not_raised(sandbox: SandboxCab) -> None:
    decide_low_and_medium(sandbox)
    number = sandbox.submit(MODEL, content=model(low_max=1))

    def refused(sha: str, directory: str) -> list[str]:
        if directory == "decisions":
            raise ForgeError("GitHub refused to read the tree: 403 Resource not accessible")
        return list(type(sandbox.forge).list_files(sandbox.forge, sha, directory))

    sandbox.forge.list_files = refused  # type: ignore[method-assign]
    try:
        assert sandbox.sync(number).status == "pending"
    finally:
        del sandbox.forge.list_files
    assert "could not be computed: GitHub refused to read the tree: 403" in bot_comment(sandbox, number)


def test_a_later_sync_on_the_same_base_reuses_the_table(cab: Cab, monkeypatch: pytest.MonkeyPatch) -> None:
    decide_low_and_medium(cab)
    number = cab.submit(MODEL, content=model(low_max=1))
    cab.sync(number)
    first = bot_comment(cab, number)

    def not_again(*_args: object) -> WhatIf:
        raise AssertionError("the history was read again for the same model on the same base")

    monkeypatch.setattr(model_what_if, "what_if", not_again)
    cab.review(number, "carol-cab")
    cab.sync(number)
    assert bot_comment(cab, number).split("### What-if")[1] == first.split("### What-if")[1]


def test_only_the_most_recent_decisions_are_re_scored_and_the_comment_says_so(
    cab: Cab, monkeypatch: pytest.MonkeyPatch
) -> None:
    decide_low_and_medium(cab)
    monkeypatch.setattr(model_what_if, "MAX_DECISIONS", 1)
    number = cab.submit(MODEL, content=model(low_max=1))
    cab.sync(number)
    body = bot_comment(cab, number)
    assert "### Re-scoring 1 past decisions" in body
    assert "_Only the 1 most recent of 2 past decisions on the base were re-scored here;" in body


# --- the pure parts --------------------------------------------------------------------------------
def test_recent_first_orders_records_by_month_folder_newest_first() -> None:
    paths = [
        "decisions/low/2026-10/change-a.yaml",
        "decisions/high/2026-11/change-b.yaml",
        "decisions/exceptions/2026-12/change-x.yaml",  # not a change decision
        "decisions/medium/2026-12/change-c.yaml",
    ]
    assert model_what_if.recent_first(paths) == [
        "decisions/medium/2026-12/change-c.yaml",
        "decisions/high/2026-11/change-b.yaml",
        "decisions/low/2026-10/change-a.yaml",
    ]


def test_a_section_that_could_not_be_computed_is_never_reused() -> None:
    failed = WhatIf(MODEL, "b" * 40, "a" * 40, reason="GitHub refused").section()
    assert reusable(failed, MODEL, "b" * 40, "a" * 40) is None


def test_a_computed_section_is_reused_only_for_the_same_model_blob_and_base() -> None:
    done = WhatIf(MODEL, "b" * 40, "a" * 40, Simulation("1.1", (), ()), shown=0, total=0).section()
    assert reusable(f"intro\n\n{done}", MODEL, "b" * 40, "a" * 40) == done
    assert reusable(done, MODEL, "c" * 40, "a" * 40) is None
    assert reusable(done, MODEL, "b" * 40, "d" * 40) is None
