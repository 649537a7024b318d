"""SPDX 2.x JSON SBOMs.

The component count is the number of entries in `packages`, including the package the document
describes (SPDX has no separate subject slot, unlike CycloneDX's `metadata.component`). Files and
snippets are not components. SPDX 3 (JSON-LD) and tag-value documents are recognised by `detect`
and refused with a message, not misread.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers._json import field_error, get_list, get_object, get_text
from bot.adapters.importers.interface import SbomSummary

_PREFIX = "SPDX-"


def load(path: Path) -> SbomSummary:
    return from_input(detect.load(path, [detect.Format.SPDX_JSON], "an SPDX SBOM"))


def from_input(found: detect.Input) -> SbomSummary:
    raw, source = found.raw, found.source
    document = get_object(found.json, raw, source, "the document")
    version = get_text(document, "spdxVersion", raw, source, "") or ""
    if not version.startswith(_PREFIX + "2."):
        raise field_error(
            raw, source, "spdxVersion", f"spdxVersion {version!r} is not SPDX 2.x (expected e.g. 'SPDX-2.3')"
        )
    packages = get_list(document, "packages", raw, source, "")
    for package in packages:
        get_object(package, raw, source, "each entry of packages")
    return SbomSummary(
        format="spdx",
        spec_version=version.removeprefix(_PREFIX),
        component_count=len(packages),
        digest=hashlib.sha256(raw).hexdigest(),
    )
