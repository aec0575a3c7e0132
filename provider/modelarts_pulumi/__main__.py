"""``python -m modelarts_pulumi``: the command-line tool (see :mod:`modelarts_pulumi.cli`)."""

from .cli import main

if __name__ == "__main__":
    main()
