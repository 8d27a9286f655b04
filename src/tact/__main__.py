"""The `tact` command line: Django's management entry point with tact's settings."""

import os
import sys

UNMIGRATED = ("no such table", "does not exist")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tact.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except DatabaseError as exc:
        # A database without tact's tables is a set-up step missed, not a crash to show.
        if not any(words in str(exc) for words in UNMIGRATED) or "--traceback" in sys.argv:
            raise
        sys.stderr.write(f"The database is not ready ({exc}). Run `tact migrate` first.\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
