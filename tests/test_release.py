"""The release: what `python -m build` makes is what `cab init` and `cab demo` need once installed.

`.ci/run` builds the sdist and wheel once (and `twine check`s them) and passes the directory in
`CAB_DIST_DIR`; run alone, this module builds them itself the same way (about 6 s). Both build from
a copy of the files a clone has: setuptools would otherwise reuse a stale `cab_bot.egg-info/SOURCES.txt`
left in the checkout, and a file the package-data globs miss would still ship here but not on PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CAB_DIST_DIR")
    out = Path(given) if given else tmp_path_factory.mktemp("dist")
    if not given:
        clone = tmp_path_factory.mktemp("clone")
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout.decode()
        for name in filter(None, listed.split("\0")):
            if (ROOT / name).is_file():
                (clone / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, clone / name)
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(out), str(clone)],
            check=True,
            capture_output=True,
        )
    (found,) = out.glob("cab_bot-*.whl")
    return found


def test_the_wheel_carries_every_file_under_bot_data_including_the_template_github_directory(
    wheel: Path,
) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "bot" / "data").rglob("*") if path.is_file()
    }
    assert "bot/data/repo-template/.github/workflows/cab.yml" in wanted
    assert wanted - shipped == set()


def test_the_wheel_carries_the_type_marker_and_the_cab_entry_point(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert "bot/py.typed" in names
    (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "cab = bot.cli:run" in archive.read(entry_points).decode()


# --- the hashed lock the privileged jobs install from ------------------------------------------
def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements/action.lock."""
    from packaging.utils import canonicalize_name

    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / "action.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            current = canonicalize_name(name)
            pins[current] = (version, 0)
        elif "--hash=sha256:" in line and current:
            pins[current] = (pins[current][0], pins[current][1] + 1)
    return pins


def test_the_action_lock_pins_every_runtime_dependency_within_its_range_with_hashes() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = _locked()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for text in [*declared, "setuptools>=77"]:
        wanted = Requirement(text)
        name = canonicalize_name(wanted.name)
        assert name in pins, (
            f"requirements/action.lock does not pin {name}: regenerate it (requirements/README.md)"
        )
        version, hashes = pins[name]
        assert wanted.specifier.contains(version), f"{wanted} but the lock has {version}"
        assert hashes >= 1


@pytest.mark.parametrize(
    "path", ["action.yml", ".github/workflows/cab.yml", ".github/workflows/cab-expiry.yml"]
)
def test_privileged_jobs_install_only_from_the_hashed_lock(path: str) -> None:
    installs = [line for line in (ROOT / path).read_text().splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        assert "--require-hashes -r" in line or "--no-deps --no-build-isolation" in line, line
