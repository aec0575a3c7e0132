"""Build the inline Pulumi programs (``__main__.py``) the real-CLI tests deploy.

Nearly every one declares an Algorithm (code folder and boot file in an OBS bucket, the guide's PyTorch engine,
``data_url`` in, ``train_url`` out) and TrainingJobs on it (the guide's CPU flavor, data, outputs and logs in the
same bucket), or TrainingJobs that run their own code (the same code folder, boot file, engine and flavor), with a
few arguments of its own. :class:`Program` writes the common part once::

    PROGRAM = (
        Program(bucket="cred-bucket")
        .algorithm(parameters=[{"name": "epochs", "value": "2", "type": "Integer"}])
        .training_job()
        .export(algorithm_id="algorithm.algorithm_id", job_id="job.job_id")
        .text()
    )

Argument values are Python values (written with ``repr``) or source code wrapped in :func:`code` (evaluated when the
program runs, e.g. read from the stack config: every program has ``config = pulumi.Config()`` and ``bucket``);
``None`` leaves a default argument out.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID


@dataclass(frozen=True)
class Code:
    source: str


def code(source: str) -> Code:
    """Python source to put into the program as it is."""
    return Code(source)


ALGORITHM_DEFAULTS: dict[str, Any] = {
    "code_dir": code('f"/{bucket}/code/"'),
    "boot_file": code('f"/{bucket}/code/train.py"'),
    "engine_name": ENGINE_NAME,
    "engine_version": ENGINE_VERSION,
    "inputs": [{"name": "data_url"}],
    "outputs": [{"name": "train_url"}],
}

JOB_DEFAULTS: dict[str, Any] = {
    "algorithm_id": code("algorithm.algorithm_id"),
    "inputs": {"data_url": code('f"/{bucket}/data/"')},
    "outputs": {"train_url": code('f"/{bucket}/outputs/"')},
    "flavor_id": FLAVOR_ID,
    "log_export_path": code('f"/{bucket}/logs/"'),
}

INLINE_JOB_DEFAULTS: dict[str, Any] = {
    "code_dir": code('f"/{bucket}/code/"'),
    "boot_file": code('f"/{bucket}/code/train.py"'),
    "engine_name": ENGINE_NAME,
    "engine_version": ENGINE_VERSION,
    "flavor_id": FLAVOR_ID,
}


def render(value: Any) -> str:
    """Python source for ``value``; :class:`Code` as it is, also inside lists and dicts."""
    if isinstance(value, Code):
        return value.source
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render(k)}: {render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return repr(value)


@dataclass
class Program:
    """A program's text, built statement by statement; ``bucket`` may be :func:`code`."""

    bucket: str | Code = "engine-bucket"
    statements: list[str] = field(default_factory=list)

    def line(self, *source: str) -> Program:
        """Statements of its own, as they are."""
        self.statements.extend(source)
        return self

    def algorithm(self, resource: str | Code = "algo", /, *, var: str = "algorithm", **args: Any) -> Program:
        """``var = modelarts.Algorithm(resource, ...)`` with :data:`ALGORITHM_DEFAULTS` updated by ``args``."""
        return self._declare(var, "Algorithm", resource, {**ALGORITHM_DEFAULTS, **args})

    def training_job(
        self, resource: str | Code = "job", /, *, var: str = "job", each: str | None = None, **args: Any
    ) -> Program:
        """``var = modelarts.TrainingJob(resource, ...)`` with :data:`JOB_DEFAULTS` updated by ``args``; with
        ``each`` (e.g. ``"i in range(3)"``) a list of them."""
        return self._declare(var, "TrainingJob", resource, {**JOB_DEFAULTS, **args}, each=each)

    def inline_job(self, resource: str | Code = "job", /, *, var: str = "job", **args: Any) -> Program:
        """``var = modelarts.TrainingJob(resource, ...)`` that runs its own code (no algorithm), with
        :data:`INLINE_JOB_DEFAULTS` updated by ``args``."""
        return self._declare(var, "TrainingJob", resource, {**INLINE_JOB_DEFAULTS, **args})

    def block(self, header: str, body: Program) -> Program:
        """``header`` (e.g. ``if config.get_bool("extra"):``) with ``body``'s statements indented under it."""
        self.statements.append(header + "\n" + textwrap.indent("\n".join(body.statements), "    "))
        return self

    def export(self, **outputs: str) -> Program:
        """``pulumi.export(name, <source>)`` for each output."""
        self.statements.extend(f"pulumi.export({name!r}, {source})" for name, source in outputs.items())
        return self

    def text(self) -> str:
        header = ["import pulumi", "import modelarts_pulumi as modelarts", "", "config = pulumi.Config()"]
        header.append(f"bucket = {render(self.bucket)}")
        return "\n".join([*header, *self.statements]) + "\n"

    def _declare(
        self, var: str, kind: str, resource: str | Code, args: dict[str, Any], *, each: str | None = None
    ) -> Program:
        arguments = "".join(f"    {key}={render(value)},\n" for key, value in args.items() if value is not None)
        call = f"modelarts.{kind}(\n    {render(resource)},\n{arguments})"
        if each is not None:
            call = f"[\n{textwrap.indent(call, '    ')}\n    for {each}\n]"
        self.statements.append(f"{var} = {call}")
        return self
