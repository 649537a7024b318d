"""`cab` installed the way its users install it, for the start-up benchmarks: this checkout's
wheel in a virtualenv of its own, beside that virtualenv's own `python -c pass` as the floor.

Why not the development virtualenv: there `cab` is an editable install, and its finder (a `.pth`
file that imports pathlib, re, enum and importlib.util) runs at every start of that interpreter,
`python -c pass` included. It adds about 11 ms to the floor and pays that much of cab's own
imports in advance (2026-12-02: `python -c pass` 22.4 ms there, 11.1 ms beside a wheel; `cab
verify` 82 and 85 ms). `pip install cab-bot` and the Action (`pip install --no-deps`) install a
wheel, with no finder.

The virtualenv is made without pip, and the wheel installed into it by this interpreter's pip
(`--python`), offline. Its dependencies are this interpreter's own, reached by a path line in a
`.pth` file: a plain path, so the `.pth` files beside them (the editable finder's) are not run.
The wheel is `CAB_DIST_DIR`'s when `.ci/run` has built one, else built here (`python -m build`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Installed(NamedTuple):
    python: Path  # the virtualenv's interpreter: `python -c pass` with it is the floor
    cab: Path  # its console script


def wheel(out: Path) -> Path:
    """This checkout's wheel: the one `.ci/run` built (`CAB_DIST_DIR`), else one built into `out`."""
    given = os.environ.get("CAB_DIST_DIR")
    if given and (built := sorted(Path(given).glob("cab_bot-*.whl"))):
        return built[-1]
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return sorted(out.glob("cab_bot-*.whl"))[-1]


def install(where: Path) -> Installed:
    """A virtualenv at `where` with this checkout's wheel installed (not editable)."""
    venv.create(where / "venv", with_pip=False)
    python = where / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (Path(site) / "cab_bench_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    built = wheel(where / "dist")
    subprocess.run([*pip, "--no-deps", "--no-index", str(built)], check=True, stdout=subprocess.DEVNULL)
    return Installed(python, python.with_name("cab"))
