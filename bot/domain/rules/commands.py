"""`/cab reject`, `/cab conditions` and `/cab retro-approve` (the CAB's review of an emergency
change after it merged, `bot.domain.rules.emergency`): only lines the commenter wrote as their own
text. Pure.

A comment is Markdown, and what GitHub shows as code or as a quote is not something its author
said: a CAB member quoting someone's `/cab reject …`, or showing in a code block how to reject, must
not reject. The comment is parsed with markdown-it-py's CommonMark preset (GitHub's comment syntax
is CommonMark plus extensions that add no new code or quote blocks), so fenced code (``` or ~~~),
indented code (four spaces or a tab) and block quotes (`>`, lazy continuation lines included) are
found exactly as CommonMark finds them. A command is a line of a top-level paragraph that begins
with `/cab reject` or `/cab conditions`; a command-looking line anywhere else is reported as ignored,
with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt

Verb = Literal["reject", "conditions", "retro-approve"]
_COMMAND = re.compile(r"^/cab[ \t]+(reject|conditions|retro-approve)\b[ \t]*(.*)$")
# A line that would read as a command once blanks and quote markers are taken away.
_LOOKS_LIKE = re.compile(r"^[ \t>]*/cab[ \t]+(reject|conditions|retro-approve)\b")

WHY_QUOTE = "is quoted (a `>` block quote), not the commenter's own words"
WHY_FENCE = "is inside a fenced code block"
WHY_INDENTED = "is inside an indented code block"
WHY_NESTED = "is not a paragraph of its own (inside a list or HTML)"


@dataclass(frozen=True)
class Command:
    verb: Verb
    text: str
    line: int  # 1-based, in the comment's body


@dataclass(frozen=True)
class Ignored:
    verb: Verb
    line: int
    why: str

    def describe(self) -> str:
        return f"`/cab {self.verb}` on line {self.line} {self.why}"


@dataclass(frozen=True)
class Read:
    commands: tuple[Command, ...]
    ignored: tuple[Ignored, ...]


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _ranges(body: str) -> dict[str, list[tuple[int, int]]]:
    """0-based [start, end) line ranges of the blocks that decide whether a line is a command."""
    found: dict[str, list[tuple[int, int]]] = {"quote": [], "fence": [], "indented": [], "paragraph": []}
    kinds = {"blockquote_open": "quote", "fence": "fence", "code_block": "indented"}
    for token in _parser().parse(body):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in kinds:
            found[kinds[token.type]].append((start, end))
        elif token.type == "paragraph_open" and token.level == 0:
            found["paragraph"].append((start, end))
    return found


def read(body: str) -> Read:
    """The commands a comment gives, in order, and the command-looking lines it does not give."""
    lines = body.splitlines()
    candidates = [(n, line) for n, line in enumerate(lines) if _LOOKS_LIKE.match(line)]
    if not candidates:
        return Read((), ())
    ranges = _ranges(body)

    def inside(kind: str, n: int) -> bool:
        return any(start <= n < end for start, end in ranges[kind])

    commands, ignored = [], []
    for n, line in candidates:
        verb: Verb = _LOOKS_LIKE.match(line).group(1)  # type: ignore[union-attr, assignment]
        why = (
            WHY_QUOTE
            if inside("quote", n)
            else WHY_FENCE
            if inside("fence", n)
            else WHY_INDENTED
            if inside("indented", n)
            else None
            if inside("paragraph", n)
            else WHY_NESTED
        )
        own = _COMMAND.match(line.strip()) if why is None else None
        if own is None:
            ignored.append(Ignored(verb, n + 1, why or WHY_NESTED))
        else:
            commands.append(Command(verb, own.group(2).strip(), n + 1))
    return Read(tuple(commands), tuple(ignored))
