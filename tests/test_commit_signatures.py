"""Every bot commit is signed, and the audit and the gate check each signature against policy.

The attacks are real git histories: a decision merge built with plain git under the bot's name (or
GitHub's), with correct hashes and chain; commits signed by a key policy does not list, outside its
window, or for another e-mail. The in-process verifier is cross-checked against `git verify-commit`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.environment import bot_identity
from bot.adapters.git.process import parse_commit
from bot.adapters.git.signatures import trusted_keys
from bot.cli import main
from bot.domain.git_objects import CommitHeader
from bot.domain.models.signers import CommitSigner
from bot.domain.rules.commit_signatures import Verification, signature_problem
from bot.services.audit.service import AuditOptions, run
from tests import both_forges
from tests.audit_helpers import audit_repo, rules_of
from tests.repo_builder import RepoBuilder, Tweak
from tests.sandbox import LOW, make_cab_repo
from tests.signing_keys import (
    GITHUB_EMAIL,
    signers_file,
    ssh_signer,
    stranger_ssh_key,
    web_flow_signer,
)

BOT = bot_identity({})
LATER = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _default_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAB_BOT_NAME", raising=False)
    monkeypatch.delenv("CAB_BOT_EMAIL", raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    return RepoBuilder(tmp_path / "repo")


def _git(root: Path, *args: str, env: dict[str, str] | None = None, data: bytes | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        input=data,
        capture_output=True,
        check=False,
        env={**clean, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
    )
    if done.returncode != 0:
        raise AssertionError(f"git {args} failed: {done.stderr.decode()}")
    return done.stdout.decode().strip()


def _header(root: Path, rev: str) -> CommitHeader:
    sha = _git(root, "rev-parse", rev)
    raw = subprocess.run(["git", "-C", str(root), "cat-file", "commit", sha], capture_output=True, check=True)
    return parse_commit(sha, raw.stdout)


def _verify(builder: RepoBuilder, change_id: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", change_id, "--repo", str(builder.root)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


# -- the honest histories verify ----------------------------------------------------------------


def test_bot_commits_signed_with_the_policy_key_audit_clean(repo: RepoBuilder) -> None:
    repo.base()
    decided = repo.decide("payments-api-1", "low")
    assert audit_repo(repo.root).findings == []
    assert _header(repo.root, decided.merge).signature is not None
    assert _header(repo.root, decided.head).signature is not None


def test_the_sandbox_signs_every_bot_commit_and_keeps_its_private_key_out_of_the_tree(tmp_path: Path) -> None:
    cab = make_cab_repo(tmp_path / "repo")
    cab.sync(cab.submit(LOW))
    root = cab.forge.path
    tracked = _git(root, "ls-tree", "-r", "--name-only", "main").split()
    assert "policy/signers.yaml" in tracked
    assert not any("signing-key" in path for path in tracked)
    assert oct(cab.forge.signing_key().stat().st_mode & 0o777) == "0o600"
    assert cab.forge.signing_key().parent == cab.forge.git.git_dir()
    for rev in ("main", "main^2"):
        assert _header(root, rev).signature is not None, rev
    assert audit_repo(root).findings == []


def test_the_sandbox_signs_without_openssh_on_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh machine may lack `ssh-keygen`: the sandbox then signs through its in-process stand-in
    (bot.adapters.git.ssh_sign_program), and the history still audits clean."""
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(only_git))
    cab = make_cab_repo(tmp_path / "repo")
    cab.sync(cab.submit(LOW))
    assert (cab.forge.git.git_dir() / "cab-ssh-sign").is_file()
    for rev in ("main", "main^2"):
        assert _header(cab.forge.path, rev).signature is not None, rev
    assert audit_repo(cab.forge.path).findings == []


def test_the_sandbox_signs_where_ssh_keygen_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OpenSSH older than 8.2 has no `ssh-keygen -Y sign`; the sandbox does not need it."""
    old = tmp_path / "old-openssh"
    old.mkdir()
    (old / "ssh-keygen").write_text('#!/bin/sh\necho "ssh-keygen: illegal option -- Y" >&2\nexit 1\n')
    (old / "ssh-keygen").chmod(0o755)
    monkeypatch.setenv("PATH", f"{old}{os.pathsep}{os.environ['PATH']}")
    cab = make_cab_repo(tmp_path / "repo")
    cab.sync(cab.submit(LOW))
    assert audit_repo(cab.forge.path).findings == []


def test_the_fake_github_signs_what_github_makes_with_its_web_flow_stand_in(tmp_path: Path) -> None:
    made = both_forges.make_cab("github", tmp_path)
    cab = next(made)
    cab.sync(cab.submit(LOW))
    root = cab.repository()
    for rev in ("main", "main^2"):
        header = _header(root, rev)
        assert (header.committer.name, header.committer.email) == ("GitHub", GITHUB_EMAIL)
        assert header.signature is not None
        assert header.signature.armored.startswith(b"-----BEGIN PGP SIGNATURE-----")
        keys = trusted_keys(signers_file(web_flow_signer()), "test")
        assert keys.verify(header).status == "verified"
    made.close()


# -- cross-checks against git's own verification ---------------------------------------------------


def _allowed_signers(signers: list[CommitSigner], path: Path) -> Path:
    """An ssh-keygen allowed-signers file for the policy's ssh keys, windows included."""

    def stamp(when: dt.datetime) -> str:
        return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ")

    lines = []
    for s in signers:
        options = ['namespaces="git"']
        options += [f'valid-after="{stamp(s.valid_after)}"'] if s.valid_after else []
        options += [f'valid-before="{stamp(s.valid_before)}"'] if s.valid_before else []
        lines.append(f"{','.join(s.principals)} {','.join(options)} {s.public_key}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _git_verifies_ssh(root: Path, rev: str, signers: list[CommitSigner]) -> bool:
    allowed = _allowed_signers(signers, root.parent / "allowed_signers")
    done = subprocess.run(
        ["git", "-C", str(root), "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", rev],
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def gnupg_home() -> Iterator[Path]:
    """A dedicated keyring; the gpg-agent gpg starts in it is stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="cab-gpg-") as home:
        try:
            yield Path(home)
        finally:
            subprocess.run(
                ["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True, check=False
            )


def _git_verifies_gpg(root: Path, rev: str, armored_key: str, home: Path) -> bool:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--quiet", "--import"], input=armored_key.encode(), env=env, check=True)
    done = subprocess.run(
        ["git", "-C", str(root), "verify-commit", rev], capture_output=True, env=env, check=False
    )
    return done.returncode == 0


def test_ssh_signatures_verify_as_git_verify_commit_says(repo: RepoBuilder) -> None:
    repo.base()
    decided = repo.decide("payments-api-1", "low")
    policy = [ssh_signer(BOT.email)]
    keys = trusted_keys(signers_file(*policy), "test")
    for rev in (decided.merge, decided.head):
        assert keys.verify(_header(repo.root, rev)).status == "verified"
        assert _git_verifies_ssh(repo.root, rev, policy)


def test_an_altered_ssh_signed_commit_fails_both_here_and_in_git(repo: RepoBuilder) -> None:
    repo.base()
    decided = repo.decide("payments-api-1", "low")
    raw = subprocess.run(
        ["git", "-C", str(repo.root), "cat-file", "commit", decided.merge], capture_output=True, check=True
    ).stdout
    altered = raw.replace(b"cab: auto_approved", b"cab: auto-approved", 1)
    sha = _git(repo.root, "hash-object", "-t", "commit", "-w", "--stdin", data=altered)
    policy = [ssh_signer(BOT.email)]
    found = trusted_keys(signers_file(*policy), "test").verify(_header(repo.root, sha))
    assert found.status == "invalid"
    assert not _git_verifies_ssh(repo.root, sha, policy)


def test_web_flow_signatures_verify_as_git_verify_commit_with_gpg_says(
    tmp_path: Path, gnupg_home: Path
) -> None:
    made = both_forges.make_cab("github", tmp_path)
    cab = next(made)
    cab.sync(cab.submit(LOW))
    root = cab.repository()
    signer = web_flow_signer()
    keys = trusted_keys(signers_file(signer), "test")
    for rev in ("main", "main^2"):
        assert keys.verify(_header(root, rev)).status == "verified"
        assert _git_verifies_gpg(root, rev, signer.public_key, gnupg_home)
    made.close()


def test_a_gnupg_made_signature_verifies_in_process(tmp_path: Path, gnupg_home: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, "GNUPGHOME": str(gnupg_home)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Bot <bot@example.com>", "rsa2048", "sign"],
        env=env,
        capture_output=True,
        check=True,
    )
    armored = subprocess.run(
        ["gpg", "--armor", "--export", "bot@example.com"], env=env, capture_output=True, check=True
    ).stdout.decode()
    root = tmp_path / "gpg-repo"
    _git(tmp_path, "init", "-q", str(root))
    who = {"GIT_AUTHOR_NAME": "Bot", "GIT_AUTHOR_EMAIL": "bot@example.com"}
    who |= {
        "GIT_COMMITTER_NAME": "Bot",
        "GIT_COMMITTER_EMAIL": "bot@example.com",
        "GNUPGHOME": str(gnupg_home),
    }
    _git(root, "commit", "-q", "-S", "--allow-empty", "-m", "signed by gpg", env=who)
    signer = CommitSigner(name="gpg", format="gpg", public_key=armored, principals=["bot@example.com"])
    header = _header(root, "HEAD")
    found = trusted_keys(signers_file(signer), "test").verify(header)
    assert found.status == "verified"
    assert signature_problem(header, "decision merge", found) is None


# -- attacks ---------------------------------------------------------------------------------------


def test_a_decision_merge_built_with_plain_git_under_the_bots_name_is_flagged(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.base()
    forged = repo.decide("payments-api-1", "low", Tweak(merge_key=None))
    findings = audit_repo(repo.root).findings
    assert [(f.rule, f.commit) for f in findings] == [("signature.missing", forged.merge)]
    assert f"decision merge {forged.merge[:12]} (committer {BOT.name} <{BOT.email}>" in findings[0].message
    code, line = _verify(repo, "payments-api-1", capsys)
    assert code == 1
    assert "(signature.missing)" in line


def test_a_final_record_commit_made_with_plain_git_is_flagged(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.base()
    forged = repo.decide("payments-api-1", "low", Tweak(record_key=None))
    findings = audit_repo(repo.root).findings
    assert rules_of(findings) == {"signature.missing"}
    assert findings[0].message.startswith(f"final-record commit {forged.head[:12]}")
    assert _verify(repo, "payments-api-1", capsys)[0] == 1


def test_a_decision_merge_pushed_as_github_with_plain_git_is_flagged(tmp_path: Path) -> None:
    made = both_forges.make_cab("github", tmp_path)
    cab = next(made)
    cab.sync(cab.submit(LOW))
    root = cab.repository()
    tip = _git(root, "rev-parse", "main")
    header = _header(root, tip)
    env = {"GIT_AUTHOR_NAME": header.author.name, "GIT_AUTHOR_EMAIL": header.author.email}
    env |= {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": GITHUB_EMAIL}
    parents = [a for p in header.parents for a in ("-p", p)]
    forged = _git(root, "commit-tree", header.tree, *parents, "-m", header.message, env=env)
    _git(root, "update-ref", "refs/heads/main", forged, tip)
    made.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAB_BOT_NAME", cab.identity.name)
        patch.setenv("CAB_BOT_EMAIL", cab.identity.email)
        findings = run(AuditOptions(root=root, bot=cab.identity, use_cache=False)).findings
        assert [(f.rule, f.commit) for f in findings] == [("signature.missing", forged)]
        assert "committer GitHub <noreply@github.com>" in findings[0].message
        change = LOW.rsplit("/", 1)[1].removesuffix(".yaml")
        assert main(["verify", change, "--repo", str(root), "--ref", "main", "--allow-ref"]) == 1


def test_a_merge_signed_by_a_key_policy_does_not_list_is_flagged(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.base()
    forged = repo.decide("payments-api-1", "low", Tweak(merge_key=stranger_ssh_key()))
    findings = audit_repo(repo.root).findings
    assert [(f.rule, f.commit) for f in findings] == [("signature.untrusted", forged.merge)]
    assert "which policy/signers.yaml does not list" in findings[0].message
    assert _verify(repo, "payments-api-1", capsys)[0] == 1


def test_a_key_is_trusted_only_inside_its_window(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    retired = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    repo.base(signers=signers_file(ssh_signer(BOT.email, valid_before=retired)))
    decided = repo.decide("payments-api-1", "low")
    findings = audit_repo(repo.root).findings
    assert rules_of(findings) == {"signature.untrusted"}
    assert {f.commit for f in findings} == {decided.merge}  # the record commit's finding is on its merge
    assert all("outside the key's window" in f.message for f in findings)
    assert len(findings) == 2
    assert _verify(repo, "payments-api-1", capsys)[0] == 1


def test_a_rotated_key_verifies_the_commits_made_inside_each_window(repo: RepoBuilder) -> None:
    rotation = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    old = ssh_signer(BOT.email, stranger_ssh_key(), name="old", valid_before=rotation)
    new = ssh_signer(BOT.email, name="new", valid_after=rotation)
    repo.base(signers=signers_file(old, new))
    repo.decide("payments-api-1", "low")
    assert audit_repo(repo.root).findings == []


def test_a_record_commit_signed_by_a_key_for_another_email_is_flagged(repo: RepoBuilder) -> None:
    someone = ssh_signer("release-bot@example.com", stranger_ssh_key(), name="release bot")
    repo.base(signers=signers_file(ssh_signer(BOT.email), someone))
    forged = repo.decide("payments-api-1", "low", Tweak(record_key=stranger_ssh_key()))
    findings = audit_repo(repo.root).findings
    assert rules_of(findings) == {"signature.untrusted"}
    assert findings[0].message.startswith(f"final-record commit {forged.head[:12]}")
    assert f"'release bot' (release-bot@example.com), not a key of {BOT.email}" in findings[0].message


def test_trust_comes_from_the_base_never_from_the_pull_request(repo: RepoBuilder) -> None:
    repo.base()
    stranger = ssh_signer(BOT.email, stranger_ssh_key(), name="planted")
    planted = signers_file(ssh_signer(BOT.email), stranger)
    forged = repo.decide(
        "payments-api-1",
        "low",
        Tweak(on_pr_branch=lambda pr: pr.write("policy/signers.yaml", planted), merge_key=stranger_ssh_key()),
    )
    found = [(f.rule, f.commit) for f in audit_repo(repo.root).findings]
    assert ("signature.untrusted", forged.merge) in found


def test_without_a_signers_policy_at_the_base_no_bot_commit_is_trusted(repo: RepoBuilder) -> None:
    repo.base()
    _git(repo.root, "rm", "-q", "policy/signers.yaml")
    repo.commit("Remove the signers", who=None)
    repo.decide("payments-api-1", "low")
    findings = audit_repo(repo.root).findings
    untrusted = [f for f in findings if f.rule == "signature.untrusted"]
    assert len(untrusted) == 2
    assert all("no policy/signers.yaml at the base commit" in f.message for f in untrusted)


# -- the rule, from values ---------------------------------------------------------------------------


def _commit(email: str, when: dt.datetime) -> CommitHeader:
    from bot.domain.git_objects import Ident

    return CommitHeader("a" * 40, "b" * 40, (), Ident("cab-bot", email), Ident("cab-bot", email), "m", when)


@pytest.mark.parametrize(
    ("when", "trusted"),
    [
        (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), True),  # valid_after is inclusive
        (dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC), True),
        (dt.datetime(2026, 7, 1, tzinfo=dt.UTC), False),  # valid_before is exclusive
        (dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.UTC), False),
    ],
)
def test_a_window_holds_from_valid_after_up_to_but_not_including_valid_before(
    when: dt.datetime, trusted: bool
) -> None:
    key = ssh_signer(
        BOT.email,
        valid_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        valid_before=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    problem = signature_problem(_commit(BOT.email, when), "decision merge", Verification("verified", (key,)))
    assert (problem is None) is trusted


def test_principals_match_the_committer_email_whatever_its_case() -> None:
    problem = signature_problem(
        _commit(BOT.email.upper(), LATER),
        "decision merge",
        Verification("verified", (ssh_signer(BOT.email),)),
    )
    assert problem is None


def test_an_unreadable_policy_key_is_trusted_for_nothing_and_named(repo: RepoBuilder) -> None:
    repo.base()
    decided = repo.decide("payments-api-1", "low")
    broken = CommitSigner(
        name="broken", format="ssh", public_key="ssh-ed25519 not-base64!", principals=[BOT.email]
    )
    keys = trusted_keys(signers_file(broken), "test")
    found = keys.verify(_header(repo.root, decided.merge))
    assert (found.status, keys.unreadable) == ("unknown-key", ["broken"])
    assert "policy keys that could not be read: broken" in found.detail
