"""CODEOWNERS matching agrees with GitHub on hmarr/codeowners' vectors (see tests/fixtures/SOURCES.md)."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.rules.codeowners import locate, owners_for

FIXTURES = Path(__file__).parent / "fixtures" / "codeowners"
PATTERNS: list[dict[str, Any]] = json.loads((FIXTURES / "hmarr-patterns.json").read_text())
CASES: dict[str, Any] = yaml.safe_load((FIXTURES / "hmarr-codeowners-parse-cases.yaml").read_text())
VECTORS = [(case["pattern"], path, want) for case in PATTERNS for path, want in case["paths"].items()]


@pytest.mark.parametrize(("pattern", "path", "matches"), VECTORS)
def test_pattern_matches_like_github(pattern: str, path: str, matches: bool) -> None:
    assert (owners_for(f"{pattern} @org/owners", path) == ["@org/owners"]) is matches


def test_the_vectors_cover_both_shapes_the_library_gets_wrong() -> None:
    shapes = {pattern for pattern, _path, _want in VECTORS}
    assert {"foo/**/", "/apps/[param]/file.ts"} <= shapes
    assert len(VECTORS) == 153


def test_last_matching_rule_wins() -> None:
    text = "decisions/ @org/cab\ndecisions/high/ @org/security\n"
    assert owners_for(text, "decisions/high/2026-11/x.yaml") == ["@org/security"]
    assert owners_for(text, "decisions/medium/2026-11/x.yaml") == ["@org/cab"]


def test_comments_and_several_owners_are_read() -> None:
    text = "# policy\n*.go @alice @org/go foo@example.com # Go code\n"
    assert owners_for(text, "src/a.go") == ["@alice", "@org/go", "foo@example.com"]


def test_a_rule_without_owners_clears_ownership() -> None:
    assert owners_for("* @org/all\n/vendor/\n", "vendor/lib.c") == []


def test_unowned_path_has_no_owners() -> None:
    assert owners_for("docs/ @org/docs\n", "bot/x.py") == []


@pytest.mark.parametrize(
    "case",
    [case for case in CASES["ruleset_match_cases"] if "matches" in case],
    ids=lambda case: case["name"],
)
def test_ruleset_examples(case: dict[str, Any]) -> None:
    for match in case["matches"]:
        owners = owners_for(case["codeowners_file"], match["path"])
        if "expected_owners" in match:
            assert owners == (match["expected_owners"] or [])
        else:
            assert bool(owners) is match["expected_match"]


@pytest.mark.parametrize(
    "case",
    [case for case in CASES["find_file_cases"] if not case["expected"] or ".gitlab" not in case["expected"]],
    ids=lambda case: case["name"],
)
def test_codeowners_file_location_precedence(case: dict[str, Any]) -> None:
    assert locate(set(case["present"])) == case["expected"]


def test_team_slugs_are_lower_cased_and_users_kept_apart() -> None:
    from bot.domain.rules.codeowners import team_slugs, user_logins

    assert team_slugs(["@Example/CAB", "@someone"]) == ["example/cab"]
    assert user_logins(["@Example/CAB", "@someone"]) == ["someone"]
