"""Assertions shared by the model tests: a document validates, or fails at one named field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError


def accepts(model: type[BaseModel], doc: dict[str, Any]) -> BaseModel:
    return model.model_validate(doc)


def rejection(model: type[BaseModel], doc: dict[str, Any]) -> tuple[str, str]:
    """The dotted location and message of the single error `doc` causes."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(doc)
    errors = caught.value.errors(include_url=False)
    assert len(errors) == 1, errors
    loc = ".".join(str(part) for part in errors[0]["loc"])
    return loc, str(errors[0]["msg"])
