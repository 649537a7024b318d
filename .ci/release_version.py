"""The release workflow's first check: the version asked for is X.Y.Z and is what pyproject.toml says.

A release whose tag and package version disagree would pin users to one thing and install another.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: release_version.py X.Y.Z", file=sys.stderr)
        return 2
    asked = argv[0]
    if not re.fullmatch(r"\d+\.\d+\.\d+", asked):
        print(f"release version must be X.Y.Z, got {asked!r}", file=sys.stderr)
        return 2
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    carried = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    if carried != asked:
        print(f"pyproject.toml carries version {carried}, not {asked}: bump it first", file=sys.stderr)
        return 1
    print(f"releasing v{asked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
