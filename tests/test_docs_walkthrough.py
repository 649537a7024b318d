"""docs/github-setup.md works when followed literally: every shell block that runs offline is run,
in order, in one shell, in an empty directory; and what the docs say of the workflows is what the
workflows `cab init` writes do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "github-setup.md"
WORKFLOWS = ROOT / "bot" / "data" / "repo-template" / ".github" / "workflows"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)


def shell_blocks() -> list[str]:
    return BLOCK.findall(GUIDE.read_text())


def offline_blocks() -> list[str]:
    return [block for block in shell_blocks() if not block.startswith("# online")]


def test_the_guide_has_offline_blocks_to_run_and_marks_the_others() -> None:
    assert len(offline_blocks()) >= 4
    for block in shell_blocks():
        assert block.startswith("# online") or "gh " not in block, block


def test_every_offline_block_of_the_guide_runs_in_order_in_one_shell(tmp_path: Path) -> None:
    script = "set -euo pipefail\n" + "\n".join(offline_blocks())
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "Platform Engineer",
        "GIT_AUTHOR_EMAIL": "pe@octo-org.example",
        "GIT_COMMITTER_NAME": "Platform Engineer",
        "GIT_COMMITTER_EMAIL": "pe@octo-org.example",
    }
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr
    assert (tmp_path / "cab" / ".git").is_dir()


def _documented_permissions() -> dict[tuple[str, str], set[str]]:
    """(workflow, job) -> `scope: level` grants, from the guide's permissions table."""
    rows = re.findall(r"^\| `([\w-]+)` / `([\w-]+)` \| (.+?) \|$", GUIDE.read_text(), re.M)
    return {(workflow, job): set(re.findall(r"`([\w-]+: \w+)`", grants)) for workflow, job, grants in rows}


def _workflow_permissions() -> dict[tuple[str, str], set[str]]:
    found = {}
    for path in WORKFLOWS.glob("*.yml"):
        document = yaml.safe_load(path.read_text())
        for job, spec in document["jobs"].items():
            grants = spec.get("permissions") or {}
            found[(document["name"], job)] = {f"{scope}: {level}" for scope, level in grants.items()}
    return found


def test_the_guides_permissions_table_is_what_the_workflows_grant() -> None:
    assert _documented_permissions() == _workflow_permissions()


def test_every_status_check_the_guide_requires_is_one_the_bot_reports() -> None:
    from bot.adapters.forge.github_writes import STATUS_CONTEXT

    line = next(
        line for line in GUIDE.read_text().splitlines() if "**Require status checks to pass**" in line
    )
    required = re.findall(r"`([^`]+)`", line)
    assert required == [STATUS_CONTEXT]


def _documented_inputs() -> set[str]:
    rows = re.findall(r"^\| `([\w-]+)`(?:, `([\w-]+)`)? \|", GUIDE.read_text(), re.M)
    return {name for row in rows for name in row if name}


def test_the_guide_documents_the_inputs_of_action_yml() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
    assert _documented_inputs() == set(action) - {"python-version"}


@pytest.mark.parametrize(("name", "job"), [("cab.yml", "decide"), ("cab-expiry.yml", "expire")])
def test_the_workflows_give_the_action_every_input_the_guide_documents(name: str, job: str) -> None:
    steps = yaml.safe_load((WORKFLOWS / name).read_text())["jobs"][job]["steps"]
    [step] = [s for s in steps if "cab-bot@" in s.get("uses", "")]
    assert set(step["with"]) == _documented_inputs()
