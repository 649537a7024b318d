"""`--at` and `--submitted-at`: one reading of a time on the command line."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from bot.cli.times import utc_time


def test_an_offset_is_converted_to_utc() -> None:
    assert utc_time("2026-12-01T10:00:00+02:00") == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)


def test_z_is_utc() -> None:
    assert utc_time("2026-12-01T10:00:00Z") == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2027-03-01", "2027-03-01T00:00:00"])
def test_a_time_without_a_zone_is_refused_rather_than_guessed(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="has no time zone"):
        utc_time(text)
