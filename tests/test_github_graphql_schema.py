"""Every GraphQL document the bot can build is one GitHub's full public schema accepts.

The fake GitHub checks the documents a test happens to send against a hand-made subset of the
schema (`fixtures/github/graphql/github-subset.graphql`). Here the builders' whole parameter space
(the head query with and without files, with and without teams, up to their limits; the snapshot;
the commit mutation with additions, deletions or both) is checked against the whole published
schema (`fixtures/github/graphql/schema.graphql.gz`, npm `@octokit/graphql-schema`; see
`fixtures/github/SOURCES.md`) with every standard validation rule, including "All Variables Used",
and the variables each builder gives are exactly those its document declares, of the declared types.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import graphql
import pytest
import responses
from graphql.execution.values import get_variable_values
from graphql.validation.validate import validate_sdl

from bot.adapters.forge import github_graphql as gql
from tests import github_fake as gf
from tests.both_forges import GitHubCab
from tests.sandbox import HIGH, MEDIUM, Clock

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "github" / "graphql" / "schema.graphql.gz"
REPO = "octo-org/cab"
HEAD = "0123456789abcdef0123456789abcdef01234567"

# GitHub's published schema breaks two SDL rules that do not bear on queries: it defines two fields
# of `EnterpriseOwnerInfo` twice (identically), and it deprecates fields whose interface field is not
# deprecated (a rule graphql-core 3.3 enforces). The test below pins them, so a newer copy shows
# what changed; otherwise the schema is taken as GitHub serves it.
KNOWN_SDL_ERRORS = {
    "Field 'EnterpriseOwnerInfo.repositoryDeployKeySetting' can only be defined once.",
    "Field 'EnterpriseOwnerInfo.repositoryDeployKeySettingOrganizations' can only be defined once.",
}
KNOWN_SCHEMA_ERROR = re.compile(
    r"Interface field \w+\.\w+ is not deprecated, so implementation field \w+\.\w+ must not be deprecated\."
)


@functools.cache
def schema_document() -> graphql.DocumentNode:
    return graphql.parse(gzip.decompress(SCHEMA_FILE.read_bytes()).decode("utf-8"))


@functools.cache
def github_schema() -> graphql.GraphQLSchema:
    return graphql.build_ast_schema(schema_document(), assume_valid_sdl=True, assume_valid=True)


def assert_github_accepts(document: str, variables: Mapping[str, Any]) -> None:
    """GitHub would run `document` with `variables`: it validates under every standard rule, and the
    variables are exactly the declared ones, each coercible to its declared type."""
    assert graphql.NoUnusedVariablesRule in graphql.specified_rules
    parsed = graphql.parse(document)
    errors = graphql.validate(github_schema(), parsed, rules=graphql.specified_rules)
    assert not errors, f"GitHub would reject this document: {[e.message for e in errors]}\n{document}"
    (operation,) = [d for d in parsed.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    definitions = operation.variable_definitions or ()
    assert set(variables) == {d.variable.name.value for d in definitions}
    coerced = get_variable_values(github_schema(), definitions, dict(variables))
    assert not isinstance(coerced, list), [e.message for e in coerced]


# --- the schema copy ---------------------------------------------------------------------------
def test_the_schema_copy_is_githubs_with_only_its_known_defects():
    assert {e.message for e in validate_sdl(schema_document())} == KNOWN_SDL_ERRORS
    strict = graphql.build_ast_schema(schema_document(), assume_valid_sdl=True)
    problems = graphql.validate_schema(strict)
    assert problems
    assert [p.message for p in problems if not KNOWN_SCHEMA_ERROR.fullmatch(p.message)] == []


def test_the_full_schema_rejects_a_declared_variable_the_document_does_not_use():
    """The check below can fail: the bug of issue 11, a head query declaring `$head` for no files."""
    document = 'query CabHead($head: GitObjectID!) { organization(login: "o") { login } }'
    with pytest.raises(AssertionError, match=r"Variable '\$head' is never used"):
        assert_github_accepts(document, {"head": HEAD})


# --- the head query: files at the PR head and the CODEOWNERS teams ------------------------------
def _paths(files: int) -> list[str]:
    """`files` governed files in distinct directories, and the directories on the way to them, as
    the forge asks for them (it reads those too, to refuse symlinks)."""
    chosen = [f"evidence/2026-{1 + i % 12:02d}/change-{i}.yaml" for i in range(files)]
    ways = sorted({p.rsplit("/", 1)[0] for p in chosen} | ({"evidence"} if chosen else set()))
    return chosen + ways


PATHS = {"no files": [], "one file": ["risk-model/v1.0.yaml"], "nested": _paths(1)}
PATHS["the most"] = _paths(gql.HEAD_FILES_MAX)
TEAMS = {"no teams": [], "one team": [("octo-org", "cab")]}
TEAMS["the most"] = [("octo-org", f"team-{i}") for i in range(gql.TEAMS_MAX)]


@pytest.mark.parametrize(
    ("paths", "teams"),
    [pytest.param(PATHS[p], TEAMS[t], id=f"{p}, {t}") for p, t in itertools.product(PATHS, TEAMS)],
)
def test_every_head_query_is_one_github_accepts(paths, teams):
    assert_github_accepts(*gql.head_query(REPO, HEAD, paths, teams))


@pytest.mark.parametrize("paths", [PATHS[p] for p in PATHS], ids=list(PATHS))
def test_a_head_query_that_also_reads_records_at_the_base_is_one_github_accepts(paths):
    records = ["decisions/low/2026-11/x.yaml", "decisions/medium/2026-11/x.yaml"]
    assert_github_accepts(*gql.head_query(REPO, HEAD, paths, [], base=HEAD, base_paths=records))


def test_a_head_query_without_base_paths_does_not_name_the_base():
    document, variables = gql.head_query(REPO, HEAD, PATHS[next(iter(PATHS))], [], base=HEAD)
    assert "$base" not in document
    assert "base" not in variables


def test_the_snapshot_lists_no_decisions():
    """Its size must not grow with the history: the records a change can have are asked for by path."""
    assert 'file(path: "decisions")' not in gql.SNAPSHOT


def test_a_head_query_for_teams_alone_does_not_name_the_head():
    document, variables = gql.head_query(REPO, HEAD, [], TEAMS["one team"])
    assert "$head" not in document
    assert "head" not in variables


def test_paths_and_team_names_reach_github_only_as_variables():
    """Nothing read from a PR or from CODEOWNERS is spliced into the document text."""
    odd = gql.head_query(REPO, HEAD, ['a") { x } #'], [('o"', "t } #")])[0]
    assert odd == gql.head_query(REPO, HEAD, ["risk-model/v1.0.yaml"], [("octo-org", "cab")])[0]


# --- the snapshot ------------------------------------------------------------------------------
def test_the_snapshot_is_one_github_accepts():
    assert_github_accepts(gql.SNAPSHOT, gql.snapshot_variables(REPO, 7))


@pytest.mark.parametrize("levels", range(5))
@pytest.mark.parametrize("text", [True, False], ids=["with text", "names only"])
def test_a_tree_entry_selection_of_any_depth_is_one_github_accepts(levels, text):
    selection = gql.entry_selection(levels, text=text)
    document = (
        "query Q($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {"
        f' object(expression: "HEAD") {{ ... on Commit {{ file(path: "x") {{ {selection} }} }} }} }} }}'
    )
    assert_github_accepts(document, {"owner": "octo-org", "name": "cab"})


# --- the record commit -------------------------------------------------------------------------
CHANGES: dict[str, dict[str, bytes | None]] = {
    "an addition": {"decisions/medium/2026-11/a.yaml": b"kind: Decision\n"},
    "a deletion": {"decisions/medium/2026-11/a.yaml": None},
    "both": {"decisions/medium/2026-11/a.yaml": b"kind: Decision\n", "decisions/low/2026-11/b.yaml": None},
    "nothing": {},
}
MESSAGES = {
    "a headline": "cab: record a",
    "a body": "cab: record a\n\nCab-Decision: approved\nCab-Change: a\n",
}


@pytest.mark.parametrize("message", MESSAGES.values(), ids=MESSAGES)
@pytest.mark.parametrize("changes", CHANGES.values(), ids=CHANGES)
def test_every_record_commit_is_one_github_accepts(changes, message):
    variables = gql.commit_variables(REPO, "cab/a", HEAD, message, changes)
    assert_github_accepts(gql.COMMIT, variables)


# --- what a lifecycle really sends -------------------------------------------------------------
@pytest.fixture
def cab() -> Iterator[GitHubCab]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield GitHubCab(gf.FakeGitHub(rsps), Clock())


def _sent(cab: GitHubCab) -> list[dict[str, Any]]:
    bodies = [c.request.body for c in cab.fake.rsps.calls if c.request.url.endswith("/graphql")]
    return [json.loads(body) for body in bodies]


@pytest.mark.parametrize("tier", [MEDIUM, HIGH], ids=["medium", "high"])
def test_every_document_a_lifecycle_sends_is_one_github_accepts(cab, tier):
    number = cab.submit(tier)
    cab.sync(number)
    cab.review(number, "bob-cab")
    cab.sync(number)
    sent = _sent(cab)
    assert {re.search(r"(?:query|mutation) (\w+)", s["query"])[1] for s in sent} == {  # type: ignore[index]
        "CabSnapshot",
        "CabHead",
        "CabCommit",
    }
    for body in sent:
        assert_github_accepts(body["query"], body["variables"])


def test_every_document_pinning_the_agenda_sends_is_one_github_accepts(cab):
    cab.sync(cab.submit(MEDIUM))
    cab.fake.rsps.calls.reset()
    cab.publish_agenda(cab.clock())
    sent = _sent(cab)
    names = [re.search(r"(?:query|mutation) (\w+)", s["query"])[1] for s in sent]  # type: ignore[index]
    assert "CabIssuePinned" in names and "CabPinIssue" in names
    for body in sent:
        assert_github_accepts(body["query"], body["variables"])
