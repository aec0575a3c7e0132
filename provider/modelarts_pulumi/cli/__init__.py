"""The command-line tool ``modelarts-pulumi`` (also ``python -m modelarts_pulumi``): follow the training jobs
of a stack, or of the whole project, from a shell.

    modelarts-pulumi jobs                      # the training jobs of the current stack
    modelarts-pulumi logs JOB --follow         # until the job ends; exit status 0 only if it Completed
    modelarts-pulumi metrics JOB --plot m.png  # CPU, memory, GPU and NPU use over time
    modelarts-pulumi events JOB | stop JOB | open JOB

JOB is a resource name in the stack, a job name or a job ID. Settings come from the stack's ``modelarts:``
config, then the environment, as for the provider. Its dependencies are the ``cli`` extra
(``pip install 'modelarts-pulumi[cli]'``); ``--plot`` needs the ``plot`` extra too. Only this entry point
is imported without them, so that a missing extra gets a message instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .extras import MissingExtra, require


def main(argv: Sequence[str] | None = None) -> None:
    try:
        require("cli", "click", "rich", "plotext")
    except MissingExtra as exc:
        print(f"modelarts-pulumi: {exc}", file=sys.stderr)
        sys.exit(1)
    from .commands import cli

    cli.main(args=list(argv) if argv is not None else None, prog_name="modelarts-pulumi")
