"""The HTML audit report of `cab demo`'s repository, opened in headless Chromium (Debian's
`chromium` package): it renders without a console message, its table lists the demo's decisions,
and a screenshot is kept at build/audit-report.png for people to look at.

`.ci/run` installs Chromium when it is absent and sets CAB_REQUIRE_BROWSER=1, so in CI a missing
browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.domain.identity import BotIdentity
from bot.services import demo
from bot.services.audit import report_html
from tests.audit_helpers import audit_repo

BUILD = Path(__file__).parents[1] / "build"
SCREENSHOT = BUILD / "audit-report.png"
BOT = BotIdentity("cab-bot", "cab-bot@users.noreply.github.com")
GENERATED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CAB_REQUIRE_BROWSER") == "1":
            pytest.fail("CAB_REQUIRE_BROWSER=1 but no chromium on PATH (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium on PATH and none can be installed here (apt-get install chromium)")
    return found


def open_page(page: Path, tmp_path: Path, *extra: str) -> tuple[str, list[str]]:
    """Chromium's stdout, and the console lines it logged (a page without scripts logs none)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    done = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return done.stdout, console


class _Table(HTMLParser):
    """The cells of <table id="decisions">, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._inside = self._cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "decisions") in attrs:
            self._inside = True
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag == "td":
            self._cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif tag == "td":
            self._cell = False

    def handle_data(self, data: str) -> None:
        if self._inside and self._cell:
            self.rows[-1][-1] += data


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "demo"
    demo.run(root, BOT)
    page = root.parent / "audit-report.html"
    html = report_html.render(audit_repo(root), generated_at=GENERATED, web="https://github.com/octo-org/cab")
    page.write_text(html, encoding="utf-8")
    return page


def test_the_report_renders_without_a_console_message(report_page: Path, tmp_path: Path) -> None:
    BUILD.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    _out, console = open_page(report_page, tmp_path, "--window-size=1280,1800", f"--screenshot={SCREENSHOT}")
    assert console == []
    assert SCREENSHOT.stat().st_size > 10_000  # a page, not a blank


def test_the_rendered_table_lists_the_demos_decisions(report_page: Path, tmp_path: Path) -> None:
    dom, console = open_page(report_page, tmp_path, "--dump-dom")
    assert console == []
    table = _Table()
    table.feed(dom)
    rows = [(cells[1], cells[2], cells[3], cells[4]) for cells in table.rows if cells]
    assert rows == [
        ("rfc8785-0.1.2", "change", "auto_approved", "low"),
        ("payments-api-7.4.2", "change", "approved", "medium"),
        ("edge-proxy-hotfix", "change", "rejected", "high"),
        ("edge-proxy-nghttp2", "exception", "approved", "exception"),
        ("edge-proxy-hotfix-r2", "change", "approved", "high"),
        ("payments-api-7.4.3", "change", "approved", "medium"),
        ("payments-api-7.4.4", "change", "standard", "medium"),
        ("identity-gateway-3.0.1", "change", "emergency", "high"),
    ]
    assert "Generated 2026-12-01 09:00:00 UTC by cab" in dom


def test_a_page_that_throws_is_caught_by_the_console_scan(tmp_path: Path) -> None:
    page = tmp_path / "throws.html"
    page.write_text("<!DOCTYPE html><script>throw new Error('boom')</script>", encoding="utf-8")
    _out, console = open_page(page, tmp_path, "--dump-dom")
    assert any(re.search(r"Uncaught Error: boom", line) for line in console)
