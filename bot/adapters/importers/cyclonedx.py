"""CycloneDX JSON SBOMs (any 1.x spec version).

The component count includes nested components (`components[].components[]`, which CycloneDX uses
for assemblies such as a jar inside an image): each is a component the artifact ships. The BOM's
subject, `metadata.component`, is not counted: it is the artifact itself, not one of its parts.
The digest is the sha256 of the file's bytes, so the pack pins exactly the SBOM that was imported.
A document that lists no component at all is refused: a VEX document (only `vulnerabilities`,
with their analysis) or an empty BOM says nothing about what the artifact ships, and counting it as
an SBOM would let a one-line file stand in for the inventory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.adapters.importers import detect
from bot.adapters.importers._json import field_error, get_list, get_object, get_text
from bot.adapters.importers.interface import SbomSummary, fail


def load(path: Path) -> SbomSummary:
    return from_input(detect.load(path, [detect.Format.CYCLONEDX_JSON], "a CycloneDX SBOM"))


def from_input(found: detect.Input) -> SbomSummary:
    raw, source = found.raw, found.source
    bom = get_object(found.json, raw, source, "the BOM")
    spec_version = get_text(bom, "specVersion", raw, source, "")
    if spec_version is not None and not spec_version.startswith("1."):
        raise field_error(raw, source, "specVersion", f"CycloneDX specVersion {spec_version!r} is not 1.x")
    # Walk nested components with an explicit stack: depth is the file's, not Python's, to choose.
    count = 0
    pending = [get_list(bom, "components", raw, source, "")]
    while pending:
        for component in pending.pop():
            component = get_object(component, raw, source, "each entry of components")
            count += 1
            pending.append(get_list(component, "components", raw, source, "a component's "))
    if count == 0:
        if "vulnerabilities" in bom:
            raise field_error(
                raw,
                source,
                "vulnerabilities",
                "this CycloneDX document lists vulnerabilities but no components: it is a VEX "
                "document, not an SBOM; pass the artifact's SBOM",
            )
        raise fail(source, "this CycloneDX BOM lists no components, so it is not an SBOM of anything")
    return SbomSummary(
        format="cyclonedx",
        spec_version=spec_version,
        component_count=count,
        digest=hashlib.sha256(raw).hexdigest(),
    )
