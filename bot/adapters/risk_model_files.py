"""Finding the risk model to score with: an explicit file, the repository's newest, or the default."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.adapters import files
from bot.domain import documents
from bot.domain.documents import Loaded
from bot.domain.errors import InputError
from bot.domain.layout import classify
from bot.domain.models.risk_model import RiskModel

DEFAULT_MODEL_RESOURCE = "risk-model/v1.1.yaml"


def packaged_default() -> Loaded[RiskModel]:
    """The model shipped inside the package (identical in content to risk-model/v1.1.yaml)."""
    raw = resources.files("bot").joinpath("data", DEFAULT_MODEL_RESOURCE).read_bytes()
    return documents.parse(raw, f"<cab default>/{DEFAULT_MODEL_RESOURCE}", RiskModel)


def newest_in(root: Path) -> Path | None:
    """The highest-versioned `risk-model/vX.Y.yaml` under root, by numeric version."""
    directory = root / "risk-model"
    if not directory.is_dir():
        return None
    candidates = []
    for path in directory.glob("v*.yaml"):
        governed = classify(f"risk-model/{path.name}")
        if governed:
            major, minor = governed.id.split(".")
            candidates.append(((int(major), int(minor)), path))
    return max(candidates)[1] if candidates else None


def resolve(model_path: Path | None, root: Path) -> Loaded[RiskModel]:
    if model_path is not None:
        loaded: Loaded[RiskModel] = files.load(model_path, RiskModel)
    else:
        found = newest_in(root)
        if found is None:
            return packaged_default()
        loaded = files.load(found, RiskModel)
        model_path = found
    expected = model_path.name.removeprefix("v").removesuffix(".yaml")
    if classify(f"risk-model/{model_path.name}") and loaded.model.version != expected:
        raise InputError.at(
            str(model_path),
            1,
            1,
            f"version {loaded.model.version!r} does not match the file name v{expected}.yaml",
        )
    return loaded
