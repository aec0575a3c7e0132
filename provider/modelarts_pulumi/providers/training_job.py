"""The dynamic provider behind :class:`~modelarts_pulumi.TrainingJob`.

A training job runs once. Everything about it is immutable but its description, so any other change is a
replacement, decided at preview. ``create`` submits and waits as far as ``wait_for`` asks; if the job fails on
the way, it is cleaned up before the error is raised, because a dynamic provider cannot record a half-created
resource. ``read`` refreshes status outputs and hands back the program's inputs unchanged (the service cannot
change them), so a finished job stays quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from ..errors import ModelArtsError
from ..inputs import LOCATION_FIELDS, TrainingJobInputs
from ..wire import FAILED_PHASES, TERMINAL_PHASES, TrainingJob
from . import context, diffs, job_lifecycle, remote_checks
from .base import ObjectProvider, updated_props
from .checking import ADOPTED_NAME, check_props
from .create import create_once
from .job_mapping import coerce_props, described_inputs, job_outputs, matches_spec, spec_differences, to_request
from .progress import progress
from .readable import readable_errors
from .validation import is_unknown, user_props

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

WHAT = "training job"


class TrainingJobProvider(ObjectProvider[TrainingJob]):
    """Submits, watches and deletes ModelArts training jobs. Holds no state (see ``context``)."""

    what = WHAT
    resource = "TrainingJob"
    id_output = "job_id"

    def fetch(self, client: ModelArtsClient, object_id: str) -> TrainingJob:
        return client.get_training_job(object_id)

    @readable_errors(WHAT)
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = coerce_props(user_props(news))
        result = check_props(
            TrainingJobInputs,
            props,
            remote_checks.check_training_job,
            remote_checks_on_known=True,
            olds=olds,
            replaces=lambda old, new: _diff(old, new).replaces or [],
            checked=remote_checks.JOB_CHECKED,
        )
        if not olds and news.get("stopped") is True:  # no olds: a new resource, not a replacement
            result.failures.append(
                CheckFailure("stopped", "stopped: a new job cannot start stopped; set it once the job exists")
            )
        return result

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = _diff(olds, news)
        _report_code_change(olds, news)
        if not result.replaces and olds.get("phase") in FAILED_PHASES:
            progress(
                f"training job {olds.get('name')} ({_id}) ended {olds.get('phase')}; it is not re-run. "
                f"Change `triggers` to run it again."
            )
        return result

    @readable_errors(WHAT)
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = context.client_for(props)
        inputs = TrainingJobInputs.model_validate({**user_props(props), "name": props.get("name") or ADOPTED_NAME})
        if inputs.adopt_id:
            job = self._adopt(client, inputs.adopt_id, inputs)
            inputs = inputs.model_copy(update={"name": job.metadata.name})
        else:
            job = create_once(
                kind="training job",
                name=inputs.name,
                post=lambda: client.create_training_job(to_request(inputs)),
                find=lambda: _find_reusable(client, inputs),
                matches=lambda found: matches_spec(found, inputs),
                resends=client.settings.max_retries,
                describe=lambda found: f"({found.metadata.id}, {found.phase})",
            )
            progress(f"training job {inputs.name} submitted as {job.metadata.id}")
        if inputs.tags:
            job_lifecycle.tag_new_job(client, job, inputs)
        if inputs.stopped:  # a replacement of a stopped job: stopped at once, as the inputs say
            job = job_lifecycle.stop_job(client, job, timeout=inputs.wait_timeout)
        else:
            job = job_lifecycle.wait_for_target(client, job, inputs)
        outputs = job_outputs(client, job, inputs.model_dump(mode="json", exclude_none=True), previous=None)
        return CreateResult(job.metadata.id, outputs)

    def _adopt(self, client: ModelArtsClient, job_id: str, inputs: TrainingJobInputs) -> TrainingJob:
        job = self.fetch_to_adopt(client, job_id)
        # A job cannot be changed: adopting one that is not what the inputs describe would record a lie.
        differences = spec_differences(job, inputs)
        if differences:
            raise ModelArtsError(
                f"adopt_id: training job {job.metadata.name} ({job_id}) is not what the inputs describe, and a "
                f"training job cannot be changed; make the inputs match it, or drop adopt_id to run a new job: "
                + "; ".join(differences)
            )
        progress(f"adopting training job {job.metadata.name} ({job_id}, {job.phase})")
        return job

    @readable_errors(WHAT)
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = context.client_for(props)
        job = self.fetch_to_read(client, id_, props)
        if job is None:
            return ReadResult(None, {})  # deleted behind our back
        inputs = {
            k: v
            for k, v in props.items()
            if k in TrainingJobInputs.model_fields and k not in LOCATION_FIELDS and v is not None
        }
        if self.first_read(props):  # `TrainingJob.get`: no inputs, the job describes them
            inputs.update(described_inputs(job))
        inputs["description"] = job.metadata.description or ""
        tags = client.get_training_job_tags(id_)
        if tags or "tags" in props:  # a state written before tags existed stays as it was while there are none
            inputs["tags"] = tags
        _report_ending(job, previous_phase=props.get("phase"))
        outputs = job_outputs(client, job, inputs, previous=props)
        return ReadResult(id_, outputs, inputs)

    @readable_errors(WHAT)
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = context.client_for(olds)
        inputs = updated_props(olds, news)
        if (news.get("description") or "") != (olds.get("description") or ""):
            client.update_training_job_description(id_, news.get("description") or "")
        _retag(client, id_, olds.get("tags") or {}, news.get("tags") or {})
        job = client.get_training_job(id_)
        if news.get("stopped") and not olds.get("stopped"):
            timeout = int(news.get("wait_timeout") or TrainingJobInputs.model_fields["wait_timeout"].default)
            job = job_lifecycle.stop_job(client, job, timeout=timeout)
        elif olds.get("stopped") and not news.get("stopped"):
            progress(
                f"training job {job.metadata.name} ({id_}): stopped=False does not restart a stopped job "
                f"(it is {job.phase}); change `triggers` to run it again."
            )
        return UpdateResult(job_outputs(client, job, inputs, previous=olds))

    @readable_errors(WHAT)
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        timeout = float(props.get("delete_timeout") or job_lifecycle.DELETE_TIMEOUT_SECONDS)
        phase = props.get("phase")  # as the state last saw it: the delete starts from it without asking
        job_lifecycle.delete_job(
            context.client_for(props),
            id_,
            name=str(props.get("name", id_)),
            timeout=timeout,
            phase=phase if isinstance(phase, str) else None,
        )


CODE_INPUTS = ("algorithm_code_dir", "code_dir", "boot_file")
"""What says which code a job runs: its change replaces the job, unless ``rerun_on_code_change`` is False."""


def _diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    result = diffs.diff(TrainingJobInputs, olds, news)
    replaces = result.replaces or []
    if news.get("rerun_on_code_change") is False and set(replaces) & set(CODE_INPUTS):
        kept = [key for key in replaces if key not in CODE_INPUTS]
        before = result.delete_before_replace and bool(kept)
        return DiffResult(changes=True, replaces=kept, delete_before_replace=before)
    return result


def _report_code_change(olds: dict[str, Any], news: dict[str, Any]) -> None:
    """``code changed: <old> -> <new>`` in the preview, for the first code input that changed (both known)."""
    for key in CODE_INPUTS:
        old, new = olds.get(key), news.get(key)
        if old and new and old != new and not is_unknown(new):
            what = (
                "kept, as rerun_on_code_change=False asks"
                if news.get("rerun_on_code_change") is False
                else "replaced by a job that runs the new code"
            )
            progress(f"training job {olds.get('name')}: code changed: {old} -> {new}; {what}")
            return


def _report_ending(job: TrainingJob, *, previous_phase: Any) -> None:
    """Say so when a refresh finds that the job ended since the state was last written."""
    # No previous phase: a read by ID (`TrainingJob.get`), nothing was known before.
    if previous_phase is None or job.phase == previous_phase or job.phase not in TERMINAL_PHASES:
        return
    name, job_id = job.metadata.name, job.metadata.id
    if job.phase in FAILED_PHASES:
        tasks = "; ".join(
            f"{s.task}: exit code {s.exit_code}, {s.message or 'no message'}" for s in job.status.task_statuses or []
        )
        progress(
            f"training job {name} ({job_id}) ended {job.phase} since the last update"
            + (f" ({tasks})" if tasks else "")
            + "; it is not re-run. Change `triggers` to run it again."
        )
    else:
        progress(f"training job {name} ({job_id}) ended {job.phase} since the last update.")


def _retag(client: ModelArtsClient, job_id: str, old: dict[str, str], new: dict[str, str]) -> None:
    """Bring the job's tags from ``old`` to ``new``: remove the keys that went, set the ones that changed."""
    removed = sorted(key for key in old if key not in new)
    changed = {key: value for key, value in new.items() if old.get(key) != value}
    if removed:
        client.delete_training_job_tags(job_id, removed)
    if changed:
        client.create_training_job_tags(job_id, changed)


def _find_reusable(client: ModelArtsClient, inputs: TrainingJobInputs) -> TrainingJob | None:
    """A job of this name that a lost create answer or a killed ``up`` may have left, best match first."""
    jobs = client.find_training_jobs_by_name(inputs.name, inputs.workspace_id)
    jobs.sort(key=lambda job: (not matches_spec(job, inputs), job.phase in FAILED_PHASES))
    return jobs[0] if jobs else None
