"""Merges under contention: many decisions at once in one repository, one unbroken hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.forge.sandbox import SandboxForge
from bot.domain.rules import records
from tests.both_forges import FORGES, MAIN, Cab, SandboxCab, assert_audits_clean, make_cab
from tests.sandbox import MEDIUM

TWENTY = 20


@pytest.fixture(params=FORGES)
def cab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cab]:
    """A CAB repository on each forge; whatever a scenario did, its history must audit clean."""
    for made in make_cab(request.param, tmp_path):
        yield made
        assert_audits_clean(made, tmp_path / "audit.txt")


def submit_medium(cab: Cab, n: int) -> int:
    """A medium-risk change of its own id (identity-gateway-3.0.N), synced once: waiting for the CAB."""
    change_id = f"identity-gateway-3.0.{n}"
    content = cab.example(MEDIUM).replace(b"identity-gateway-3.0.0", change_id.encode())
    number = cab.submit(MEDIUM.replace("identity-gateway-3.0.0", change_id), content=content)
    assert cab.sync(number).status == "pending"
    return number


def chain_on_main(cab: Cab, numbers: list[int]) -> dict[str, str | None]:
    """record sha256 -> the previous record it names, for the records of the given changes."""
    links: dict[str, str | None] = {}
    for n, _number in enumerate(numbers):
        path = f"decisions/medium/2026-11/identity-gateway-3.0.{n}.yaml"
        raw = cab.main_file(path)
        assert raw is not None, f"{path} is not on {MAIN}"
        links[records.record_sha256(raw)] = records.parse(raw, path).model.previous
    return links


def assert_one_unbroken_chain(links: dict[str, str | None]) -> None:
    previous = list(links.values())
    assert len(set(previous)) == len(previous), "two records name the same previous: the chain forks"
    assert previous.count(None) == 1, "one chain has one start"
    assert set(previous) - {None} <= set(links), "each previous is one of the records"


def test_twenty_approvals_within_a_minute_all_merge_on_one_unbroken_chain(cab: Cab) -> None:
    numbers = [submit_medium(cab, n) for n in range(TWENTY)]
    for number in numbers:  # the CAB approves them all at once
        cab.review(number, "bob-cab")
    # GitHub's `cab-merge` concurrency group keeps one running and one pending run: of twenty
    # events, only the first and the newest run; the catching up decides the rest
    cab.action_run(numbers[0])
    cab.action_run(numbers[-1])
    assert [cab.pr(n).state for n in numbers] == ["merged"] * TWENTY
    assert_one_unbroken_chain(chain_on_main(cab, numbers))


def test_a_run_that_catches_up_says_what_it_did_for_each_pr(cab: Cab) -> None:
    first, second = submit_medium(cab, 0), submit_medium(cab, 1)
    cab.review(second, "bob-cab")
    report = cab.action_run(first)
    assert any(line.startswith(f"- PR #{second} (catching up): ") for line in report.lines)
    assert (cab.pr(first).state, cab.pr(second).state) == ("open", "merged")


def test_a_decision_that_loses_the_base_to_another_chains_onto_it(tmp_path: Path) -> None:
    """Two syncs at once (two people running `cab sync`): the second merge finds the base moved,
    and the sync starts again, so its record names the record that won, not the same previous."""
    [cab] = list(make_cab("sandbox", tmp_path))
    assert isinstance(cab, SandboxCab)
    first, second = submit_medium(cab, 0), submit_medium(cab, 1)
    cab.review(first, "bob-cab")
    cab.review(second, "bob-cab")
    merge = SandboxForge.merge
    raced: list[int] = []

    def other_decision_lands_first(forge: SandboxForge, number: int, *args: object, **kw: object) -> str:
        if number == first and not raced:
            raced.append(number)
            assert cab.sync(second).status == "merged"
        return merge(forge, number, *args, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SandboxForge, "merge", other_decision_lands_first)
        assert cab.sync(first).status == "merged"
    assert raced == [first]
    assert_one_unbroken_chain(chain_on_main(cab, [first, second]))
    assert_audits_clean(cab, tmp_path / "audit.txt")
