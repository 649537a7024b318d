"""`cab init`: lay out a new CAB repository from the templates shipped in the package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


@dataclass
class ScaffoldReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out = []
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        out += _walk(child, name + "/") if child.is_dir() else [(name, child)]
    return out


def template_files() -> list[tuple[str, bytes]]:
    data = resources.files("bot").joinpath("data")
    files = [(name, node.read_bytes()) for name, node in _walk(data.joinpath("repo-template"))]
    files.append(("risk-model/v1.1.yaml", data.joinpath("risk-model", "v1.1.yaml").read_bytes()))
    return sorted(files)


def _as_is(name: str, content: bytes) -> bytes:
    return content


def scaffold(root: Path, render: Callable[[str, bytes], bytes] = _as_is) -> ScaffoldReport:
    """Create what is missing, each file as `render(name, template)`; never overwrite a file that exists."""
    report = ScaffoldReport()
    for name, template in template_files():
        content = render(name, template)
        target = root / name
        if target.exists() or target.is_symlink():
            report.kept.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:  # "x": fail rather than overwrite on a race
            handle.write(content)
        report.created.append(name)
    return report
