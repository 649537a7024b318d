"""`cab collect`: build an evidence pack from an artifact and the tools' own output files."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.cli import repo_flags
from bot.cli.times import utc_time
from bot.cli.writes import writing
from bot.domain.errors import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Build an evidence pack from tool output. Each file's format is detected from its "
        "content: --sbom takes CycloneDX or SPDX 2.x JSON, --scan Trivy or Grype JSON, --tests JUnit XML, "
        "--coverage Cobertura XML or lcov, --plan a ChangePlan YAML. Sections no input supplies stay "
        "absent (the risk model scores them as missing). Exit 0 when the pack was written, 2 on invalid "
        "input or when the output exists (use --force)."
    )
    parser.add_argument("--change-id", required=True, help="change id, also the file name")
    parser.add_argument("--title", required=True)
    parser.add_argument("--requester", required=True, metavar="LOGIN", help="GitHub login of the requester")
    parser.add_argument(
        "--submitted-at",
        type=utc_time,
        metavar="ISO",
        help="submission time with a zone, e.g. 2026-11-03T09:15:00Z (default: now, UTC)",
    )
    parser.add_argument("--correlation-id", help="build or pipeline id to correlate with")
    parser.add_argument("--description")
    group = parser.add_argument_group("artifact (--artifact or --artifact-sha256 is required)")
    group.add_argument("--artifact", type=Path, metavar="FILE", help="artifact file to hash (streamed)")
    group.add_argument("--artifact-sha256", metavar="HEX", help="the artifact's sha256, when it is not local")
    group.add_argument("--artifact-name", required=True, metavar="N")
    group.add_argument("--artifact-version", required=True, metavar="V")
    group.add_argument("--publisher", help="who publishes the artifact")
    group.add_argument(
        "--sigstore-bundle",
        type=Path,
        metavar="FILE",
        help="the artifact's Sigstore bundle; attached under evidence/<yyyy-mm>/<change-id>/ and verified "
        "offline against the artifact's sha256 and policy/signers.yaml",
    )
    group.add_argument(
        "--sigstore-instance",
        choices=("production", "staging"),
        default="production",
        help="trust root for the check (staging is Sigstore's test instance: for tests only)",
    )
    inputs = parser.add_argument_group("tool output")
    inputs.add_argument("--sbom", type=Path, metavar="FILE")
    inputs.add_argument(
        "--scan", type=Path, nargs="+", default=[], metavar="FILE", help="merged, duplicates once"
    )
    inputs.add_argument("--tests", type=Path, nargs="+", default=[], metavar="FILE", help="JUnit XML, summed")
    inputs.add_argument("--coverage", type=Path, metavar="FILE")
    inputs.add_argument("--plan", type=Path, metavar="FILE", help="rollout/rollback/install plan (YAML)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to write the pack, '-' for stdout "
        "(default: evidence/<yyyy-mm>/<change-id>.yaml under --repo)",
    )
    repo_flags.add_repo(parser, deprecated=["--root"])
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from bot.services import collect

    # The one place the clock is read: the service is given the time.
    submitted_at = args.submitted_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    if args.artifact_sha256 is not None:
        args.artifact_sha256 = args.artifact_sha256.lower()
    request = collect.CollectRequest(
        change_id=args.change_id,
        title=args.title,
        requester=args.requester,
        submitted_at=submitted_at,
        artifact_name=args.artifact_name,
        artifact_version=args.artifact_version,
        artifact_path=args.artifact,
        artifact_sha256=args.artifact_sha256,
        publisher=args.publisher,
        correlation_id=args.correlation_id,
        description=args.description,
        sbom=args.sbom,
        scans=tuple(args.scan),
        tests=tuple(args.tests),
        coverage=args.coverage,
        plan=args.plan,
        sigstore_bundle=args.sigstore_bundle,
    )
    result = collect.collect(request)
    default = collect.default_path(args.repo, result.pack.change_id, submitted_at)
    to_stdout = args.output == "-"
    output = default if args.output is None or to_stdout else Path(args.output)
    text = collect.render_checked(result.pack, collect.schema_ref(args.repo, output), str(output))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.pack.artifact.signature is not None and result.pack.artifact.signature.bundle is not None:
        from bot.services import signature

        check = signature.check_pack_with(result.pack, result.attachments, args.repo, args.sigstore_instance)
        print(f"note: signature {check.display()}", file=sys.stderr)
    if to_stdout:
        if result.attachments:
            raise UsageError("-o - writes only the pack; attachments need a repository (--repo)")
        sys.stdout.write(text)
        return 0
    if output.exists() and output.is_dir():
        raise UsageError(f"{output} is a directory; -o takes a file path")
    with writing("collect", "choose an -o path (or --repo) you can write, or -o - for stdout"):
        collect.write_attachments(args.repo, result.attachments, force=args.force)
        collect.write_new(output, text, force=args.force)
    missing = ", ".join(result.pack.missing_sections) or "nothing"
    print(f"wrote {output} (completeness {result.pack.completeness_percent}%; missing: {missing})")
    return 0
