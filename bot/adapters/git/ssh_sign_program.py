"""`gpg.ssh.program` for the sandbox forge: what git asks of `ssh-keygen -Y sign`, done in process.

git signs a commit with `gpg.format=ssh` by running `<program> -Y sign -n git -f KEYFILE FILE` and
reading the armored signature from `FILE.sig`. The sandbox forge always points git here, so
`cab demo` and the sandbox sign their commits on machines without OpenSSH's client or with one
too old to sign (before 8.2); the signature is the one `bot.adapters.git.ssh_ed25519.sign` makes, which
`ssh-keygen -Y verify` accepts (tests/test_ssh_ed25519.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.adapters.git.ssh_ed25519 import sign


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    options: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        if args[i] in ("-Y", "-n", "-f") and i + 1 < len(args):
            options[args[i]] = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    if options.get("-Y") != "sign" or "-f" not in options or "-n" not in options or len(rest) != 1:
        print(
            f"ssh-keygen stand-in: only `-Y sign -n NS -f KEY FILE` is supported, got {args}", file=sys.stderr
        )
        return 2
    target = Path(rest[0])
    try:
        armored = sign(target.read_bytes(), Path(options["-f"]).read_bytes(), options["-n"].encode())
    except (OSError, ValueError) as exc:
        print(f"ssh-keygen stand-in: {exc}", file=sys.stderr)
        return 1
    target.with_name(target.name + ".sig").write_bytes(armored)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
