"""Who may act in a project: the caller of a ``/v2/{project_id}/...`` call, scoped to the URL's project."""

from __future__ import annotations

from collections.abc import Mapping

from ..auth import Caller
from ..identity import Directory, Principal
from . import errors


def authorize_project(
    directory: Directory, caller: Caller, url_project_id: str, headers: Mapping[str, str]
) -> Principal:
    """The caller's principal scoped to the URL's project, or ModelArts.0207 / 0210.

    A token is scoped to one project when issued; AK/SK credentials belong to the account, so any project
    of the account goes, and ``X-Project-Id``, when sent, must name the URL's project.
    """
    header_project = headers.get("x-project-id", "").strip()
    if header_project and header_project != url_project_id:
        raise errors.ProjectMismatch(url_project_id)
    p = caller.principal
    if caller.method == "token":
        if not p.project_id:
            raise errors.TokenNotProjectScoped()
        if p.project_id != url_project_id:
            raise errors.ProjectMismatch(url_project_id)
        return p
    account = directory.account_by_domain(domain_id=p.domain_id)
    project = directory.find_project(account, project_id=url_project_id) if account else None
    if project is None:
        raise errors.ProjectMismatch(url_project_id)
    return Principal(p.user_id, p.user_name, p.domain_id, p.domain_name, project.id, project.name)
