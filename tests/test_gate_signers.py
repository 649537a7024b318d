"""The gate's light reading of `policy/signers.yaml` (bot.domain.rules.gate_signers): it reads the
commit keys as the `Signers` model does, and gives None for every document the model refuses, so
the gate's light path never trusts a key the full path would not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from bot.adapters.git.signatures import light_trusted_keys, trusted_keys
from bot.domain.models import Signers
from bot.domain.rules import gate_signers
from bot.domain.strict_yaml import load_bytes
from tests.builders import REMOVE, changed, dump_yaml
from tests.signing_keys import signers_file, ssh_signer, web_flow_signer

AFTER = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BEFORE = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def _policy() -> dict[str, Any]:
    raw = signers_file(
        ssh_signer("bot@example.com", valid_after=AFTER, valid_before=BEFORE),
        web_flow_signer(),
    )
    data: dict[str, Any] = load_bytes(raw, "signers.yaml").data
    data["artifacts"] = [{"issuer": "https://token.actions.githubusercontent.com", "identity": "https://x/*"}]
    return data


def _parsed(data: dict[str, Any]) -> Any:
    return load_bytes(dump_yaml(data).encode(), "signers.yaml").data


def test_a_valid_policy_reads_as_the_model_reads_it() -> None:
    data = _parsed(_policy())
    light, model = gate_signers.read(data), Signers.model_validate(data)
    assert light is not None
    fields = ("name", "format", "public_key", "principals", "valid_after", "valid_before")
    assert [tuple(getattr(s, f) for f in fields) for s in light] == [
        (s.name, s.format, s.public_key, tuple(s.principals), s.valid_after, s.valid_before)
        for s in model.commits
    ]


def test_a_policy_without_commit_keys_reads_as_no_keys() -> None:
    assert gate_signers.read(_parsed({"apiVersion": "cab/v1", "kind": "Signers"})) == ()


MALFORMED: dict[str, dict[str, Any]] = {
    "another kind": {"kind": "Signer"},
    "another api version": {"apiVersion": "cab/v2"},
    "an unknown top-level field": {"owners": ["x"]},
    "commits not a list": {"commits": "bot"},
    "commits null": {"commits": None},
    "an unknown key field": {"commits.0.comment": "x"},
    "a key without principals": {"commits.0.principals": []},
    "a principal that is no e-mail": {"commits.0.principals": ["bot"]},
    "a principal with a space": {"commits.0.principals": ["bot @example.com"]},
    "a principal as a number": {"commits.0.principals": [7]},
    "an unknown format": {"commits.0.format": "x509"},
    "a name with a newline": {"commits.0.name": "a\nb"},
    "an empty name": {"commits.0.name": ""},
    "a name over 200 characters": {"commits.0.name": "n" * 201},
    "a short key": {"commits.0.public_key": "ssh-ed25519 A"},
    "an ssh key that is no ssh line": {"commits.0.public_key": "AAAAC3NzaC1lZDI1NTE5AAAAI"},
    "an ssh key over two lines": {"commits.0.public_key": "ssh-ed25519 AAAAC3NzaC1l\nZDI1NTE5AAAAI"},
    "a gpg key that is no armored block": {"commits.1.public_key": "mQENBGTd0123456789abcdef"},
    "a window that ends before it starts": {"commits.0.valid_before": AFTER - dt.timedelta(days=1)},
    "a window as text": {"commits.0.valid_after": "2026-01-01T00:00:00Z"},
    "a window without a zone": {"commits.0.valid_after": dt.datetime(2026, 1, 1)},
    "a window as a date": {"commits.0.valid_after": dt.date(2026, 1, 1)},
    "a missing name": {"commits.0.name": REMOVE},
    "a missing key": {"commits.0.public_key": REMOVE},
    "an artifact issuer over http": {"artifacts.0.issuer": "http://token.actions.githubusercontent.com"},
    "an artifact identity with a star inside": {"artifacts.0.identity": "https://x/*/y"},
    "an artifact without an identity": {"artifacts.0.identity": REMOVE},
    "an artifact with an unknown field": {"artifacts.0.audience": "sigstore"},
}


@pytest.mark.parametrize("edits", MALFORMED.values(), ids=MALFORMED)
def test_a_policy_the_schema_refuses_is_refused_by_the_light_reading_too(edits: dict[str, Any]) -> None:
    data = _parsed(changed(_policy(), edits))
    with pytest.raises(ValidationError):
        Signers.model_validate(data)
    assert gate_signers.read(data) is None


def test_too_many_commit_keys_are_refused_by_both() -> None:
    keys = [_policy()["commits"][0] for _ in range(51)]  # each parsed afresh: no YAML aliases
    data = _parsed(changed(_policy(), {"commits": keys}))
    with pytest.raises(ValidationError):
        Signers.model_validate(data)
    assert gate_signers.read(data) is None


def test_the_light_keys_verify_what_the_model_keys_verify() -> None:
    raw = signers_file(ssh_signer("bot@example.com"), web_flow_signer())
    light = light_trusted_keys(raw, "test")
    assert light is not None
    assert (light.problem, light.unreadable) == (trusted_keys(raw, "test").problem, [])


def test_no_policy_or_an_unreadable_one_is_left_to_the_full_path() -> None:
    assert light_trusted_keys(None, "test") is None
    assert light_trusted_keys(b"apiVersion: cab/v1\nkind: Signers\ncommits: [\n", "test") is None
