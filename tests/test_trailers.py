"""The decision trailers of a merge message: what the bot writes, the audit and the gate read back.

One spec per kind (bot.domain.rules.trailers) gives both the writing and the reading, so these
hold for every kind and every value a trailer can carry.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rules import trailers
from bot.domain.rules.trailers import DecisionTrailers, ExceptionTrailers, PolicyTrailers, RetroTrailers

# A trailer value is one line of text without blanks at either end (git's trailer rule).
value = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda text: text == text.strip()
)
values = st.lists(value, max_size=3).map(tuple)

READERS = {
    DecisionTrailers: trailers.from_message,
    ExceptionTrailers: trailers.exception_from_message,
    PolicyTrailers: trailers.policy_from_message,
    RetroTrailers: trailers.retro_from_message,
}


def _any(kind: type[trailers.AnyTrailers]) -> st.SearchStrategy[trailers.AnyTrailers]:
    """Any trailers of `kind`: one value for a field it needs, a few for a list, perhaps one for an option."""
    defaults = kind._field_defaults
    fields = {
        name: value if name not in defaults else values if defaults[name] == () else st.none() | value
        for name in kind._fields
    }
    return st.builds(kind, **fields)


any_trailers = st.one_of(*(_any(kind) for kind in READERS))
RATIONALE = "Approved by the CAB."


def _message(found: trailers.AnyTrailers) -> str:
    return trailers.merge_message("cab: decided", RATIONALE, found)


@given(any_trailers)
def test_every_kind_reads_back_what_the_bot_wrote(found: trailers.AnyTrailers) -> None:
    assert READERS[type(found)](_message(found)) == found


_CHAIN = ("Cab-Record", "Cab-Record-Sha256", "Cab-Previous")
# What docs/decision-records.md requires exactly once in each kind's merge message.
REQUIRED = {
    DecisionTrailers: ("Cab-Decision", "Cab-Change", "Cab-Tier", "Cab-Risk-Score", "Cab-Evidence-Sha256", "Cab-Model", *_CHAIN),
    ExceptionTrailers: ("Cab-Decision", "Cab-Exception-Decision", "Cab-Exception-Sha256", "Cab-Expires-At", *_CHAIN),
    PolicyTrailers: ("Cab-Decision", "Cab-Policy-Decision", "Cab-Policy-Paths-Sha256", *_CHAIN),
    RetroTrailers: ("Cab-Decision", "Cab-Retro-Approval", *_CHAIN),
}  # fmt: skip


@given(any_trailers, st.data())
def test_a_message_missing_a_required_trailer_is_no_decision(
    found: trailers.AnyTrailers, data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(REQUIRED[type(found)]))
    lines = [line for line in found.lines() if not line.startswith(f"{key}: ")]
    message = "cab: decided\n\nrationale\n\n" + "\n".join(lines) + "\n"
    assert READERS[type(found)](message) is None


@given(any_trailers)
def test_a_doubled_required_trailer_is_no_decision(found: trailers.AnyTrailers) -> None:
    lines = found.lines()
    message = "cab: decided\n\nrationale\n\n" + "\n".join([*lines, lines[-1]]) + "\n"  # Cab-Previous twice
    assert READERS[type(found)](message) is None


def test_a_decision_message_is_not_read_as_another_kind() -> None:
    decision = DecisionTrailers(
        "approved", "c-1", "low", "10.00", "a" * 64, "v1.0 sha256:" + "b" * 64, "r", "c" * 64, "none"
    )
    message = _message(decision)
    assert trailers.exception_from_message(message) is None
    assert trailers.policy_from_message(message) is None
    assert trailers.retro_from_message(message) is None


def test_the_lines_keep_the_documented_order() -> None:
    decision = DecisionTrailers(
        "approved", "c-1", "medium", "48.00", "e" * 64, "v1.0 sha256:" + "m" * 64, "decisions/medium/2026-11/c-1.yaml",
        "r" * 64, "none", approved_by=("alice (1)",), exceptions=("exc-1",), correlation_id="run-7",
    )  # fmt: skip
    assert [line.split(":")[0] for line in decision.lines()] == [
        "Cab-Decision",
        "Cab-Change",
        "Cab-Tier",
        "Cab-Risk-Score",
        "Cab-Evidence-Sha256",
        "Cab-Model",
        "Cab-Approved-By",
        "Cab-Exception",
        "Cab-Correlation-Id",
        "Cab-Record",
        "Cab-Record-Sha256",
        "Cab-Previous",
    ]
