"""The dynamic provider behind :class:`~modelarts_pulumi.Algorithm`: a thin translation to the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from ..errors import ModelArtsApiError
from ..inputs import LOCATION_FIELDS, AlgorithmInputs
from ..wire import Algorithm
from . import context, diffs, remote_checks
from .algorithm_mapping import matches_spec, outputs, to_request
from .base import ObjectProvider, updated_props
from .checking import check_props
from .create import create_once
from .progress import progress
from .readable import readable_errors
from .validation import user_props

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

WHAT = "algorithm"


class AlgorithmProvider(ObjectProvider[Algorithm]):
    """Creates, reads, updates and deletes ModelArts algorithms. Holds no state (see ``context``)."""

    what = WHAT
    resource = "Algorithm"
    id_output = "algorithm_id"

    def fetch(self, client: ModelArtsClient, object_id: str) -> Algorithm:
        return client.get_algorithm(object_id)

    @readable_errors(WHAT)
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_props(
            AlgorithmInputs,
            user_props(news),
            remote_checks.check_algorithm,
            remote_checks_on_known=False,
            olds=olds,
            checked=remote_checks.ALGORITHM_CHECKED,
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diffs.diff(AlgorithmInputs, olds, news)

    @readable_errors(WHAT)
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = context.client_for(props)
        if props.get("adopt_id"):
            algorithm = self._adopt(client, props)
        else:
            inputs = AlgorithmInputs.model_validate(user_props(props))
            algorithm = create_once(
                kind="algorithm",
                name=inputs.name,
                post=lambda: client.create_algorithm(to_request(inputs)),
                find=lambda: client.find_algorithm_by_name(inputs.name, inputs.workspace_id),
                matches=lambda found: matches_spec(found, props),
                resends=client.settings.max_retries,
            )
        return CreateResult(algorithm.metadata.id, outputs(client, algorithm, props))

    def _adopt(self, client: ModelArtsClient, props: dict[str, Any]) -> Algorithm:
        adopt_id = str(props["adopt_id"])
        algorithm = self.fetch_to_adopt(client, adopt_id)
        progress(f"adopting algorithm {algorithm.metadata.name} ({adopt_id})")
        wanted = {**props, "name": props.get("name") or algorithm.metadata.name}
        if not matches_spec(algorithm, wanted):
            inputs = AlgorithmInputs.model_validate(user_props(wanted))
            algorithm = client.update_algorithm(adopt_id, to_request(inputs))
        return algorithm

    @readable_errors(WHAT)
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = context.client_for(props)
        algorithm = self.fetch_to_read(client, id_, props)
        if algorithm is None:
            return ReadResult(None, {})  # deleted behind our back
        outs = outputs(client, algorithm, props)
        # Location keys are outputs; as inputs they would show as removed in the next diff's display.
        inputs = {k: v for k, v in outs.items() if k in AlgorithmInputs.model_fields and k not in LOCATION_FIELDS}
        return ReadResult(id_, outs, inputs)

    @readable_errors(WHAT)
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = context.client_for(olds)
        inputs = AlgorithmInputs.model_validate(updated_props(olds, news))
        algorithm = client.update_algorithm(id_, to_request(inputs))
        remote_checks.forget_algorithm(client, id_)  # the jobs checked next see its new parameters
        return UpdateResult(outputs(client, algorithm, {**olds, **news, "name": inputs.name}))

    @readable_errors(WHAT)
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = context.client_for(props)
        try:
            client.delete_algorithm(id_)
        except ModelArtsApiError as exc:
            if not exc.is_not_found:
                raise
