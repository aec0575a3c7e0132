"""What the providers of ModelArts objects (algorithms, training jobs) share: how an object is fetched by ID, for
``read`` (a refresh, or ``Resource.get``) and for ``adopt_id``, and the props an update asks for.

The subclasses are pickled into stack state by reference (their own module paths); this base adds no instance
attributes, so the pickled form of a provider is the same bytes whatever the base holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from . import context
from .reads import fetch_existing, fetch_for_read
from .validation import user_props

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

Object = TypeVar("Object", covariant=True)  # only returned: a provider of jobs is a provider of objects


class ObjectProvider(context.StatelessProvider, Generic[Object]):
    """A provider of one kind of ModelArts object, which the service gives by ID (:meth:`fetch`)."""

    what: ClassVar[str]
    """How messages name the object: ``training job``."""
    resource: ClassVar[str]
    """The resource class that declares it: ``TrainingJob``."""
    id_output: ClassVar[str]
    """The output holding the object's ID; absent from the props of a first read (``Resource.get``)."""

    def fetch(self, client: ModelArtsClient, object_id: str) -> Object:
        raise NotImplementedError

    def first_read(self, props: Mapping[str, Any]) -> bool:
        """Whether ``read`` is given an object never seen before (``Resource.get``: no outputs yet)."""
        return props.get(self.id_output) is None

    def fetch_to_read(self, client: ModelArtsClient, object_id: str, props: Mapping[str, Any]) -> Object | None:
        """The object for ``read``; None when it is gone (a refresh drops it), an error on a first read."""
        return fetch_for_read(
            lambda: self.fetch(client, object_id),
            first_read=self.first_read(props),
            missing=f"{self.resource}.get: no {self.what} with ID {object_id!r} in project {client.project_id}",
        )

    def fetch_to_adopt(self, client: ModelArtsClient, adopt_id: str) -> Object:
        """The object ``adopt_id`` names; an error naming ``adopt_id`` when it does not exist."""
        return fetch_existing(
            lambda: self.fetch(client, adopt_id),
            missing=f"adopt_id: no {self.what} {adopt_id} in project {client.project_id}",
        )


def updated_props(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """What an update asks for: the program's new inputs, named as before when they give no name."""
    return {**user_props(news), "name": news.get("name") or olds.get("name")}
