"""The `suraksha` command's first step (`python -m suraksha`, the `suraksha` script).

`suraksha serve` goes straight to the server, without loading the rest of the command line (its sub-commands, the
registry's tools and their libraries): after a start or a crash her messages are acknowledged sooner (issue 14:
within 5 s whatever the registry's size). Every other command goes through `entrypoints.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["serve"]:
        from suraksha.core.errors import SurakshaError
        from suraksha.entrypoints.server import run
        from suraksha.settings import Settings

        try:
            run(Settings())
        except SurakshaError as err:  # a clear message with its stable code, as the command line gives it
            sys.stderr.write(f"error [{err.code}]: {err.message}\n")
            raise SystemExit(2) from None
        return
    from suraksha.entrypoints.cli import main as command_line

    command_line()
