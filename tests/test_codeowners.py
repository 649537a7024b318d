"""CODEOWNERS matching agrees with GitHub on hmarr/codeowners' pattern vectors (all 153)."""

import json
from pathlib import Path

import pytest

from bot.codeowners import owners_for, team_slugs

VECTORS = json.loads((Path(__file__).parent / "fixtures/codeowners/hmarr-patterns.json").read_text())
CASES = [(c["pattern"], path, expected) for c in VECTORS for path, expected in c["paths"].items()]


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_pattern_vectors_match_like_github(pattern: str, path: str, expected: bool) -> None:
    assert bool(owners_for(f"{pattern} @org/team", path)) is expected


def test_brackets_are_literal_as_on_github() -> None:
    assert owners_for("/apps/[param]/file.ts @org/web", "apps/[param]/file.ts") == ["@org/web"]
    assert owners_for("/apps/[param]/file.ts @org/web", "apps/p/file.ts") == []


def test_trailing_double_star_slash_matches_files_below() -> None:
    assert owners_for("foo/**/ @org/t", "foo/bar") == ["@org/t"]


def test_last_matching_line_wins() -> None:
    text = "* @org/everyone\n/decisions/medium/ @org/cab\n"
    assert owners_for(text, "decisions/medium/2026-11/x.yaml") == ["@org/cab"]
    assert owners_for(text, "evidence/2026-11/x.yaml") == ["@org/everyone"]


def test_team_slugs_are_lower_cased() -> None:
    assert team_slugs(["@Example/CAB", "@someone"]) == ["example/cab"]


def test_missing_codeowners_means_no_owner() -> None:
    assert owners_for("", "decisions/high/2026-11/x.yaml") == []
