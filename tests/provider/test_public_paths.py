"""The import paths others rely on: the package's public names, the provider classes stack state pickles by
module path, and the names ``modelarts_pulumi.auth`` exported before it became a package."""

from __future__ import annotations

import importlib

import pytest

import modelarts_pulumi


def test_every_public_name_of_the_package_imports():
    assert all(getattr(modelarts_pulumi, name) is not None for name in modelarts_pulumi.__all__)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        # Pickled by reference into every stack's state (`__provider`).
        ("modelarts_pulumi.providers.algorithm", ["AlgorithmProvider"]),
        ("modelarts_pulumi.providers.training_job", ["TrainingJobProvider"]),
        # auth.py's names, now the auth package's interface.
        (
            "modelarts_pulumi.auth",
            [
                "AkSkAuth",
                "IamToken",
                "IamTokenProvider",
                "TokenAuth",
                "Transport",
                "canonical_query",
                "canonical_uri",
                "clear_caches",
                "credential_identity",
                "discover_project_id",
                "query_pairs",
                "sign",
            ],
        ),
        # What other transports (the OBS client) build on.
        ("modelarts_pulumi.http", ["USER_AGENT", "ApiSession", "BudgetRetry", "build_retry", "call_policy"]),
    ],
)
def test_paths_others_rely_on_still_import(module: str, names: list[str]):
    imported = importlib.import_module(module)
    assert [name for name in names if not hasattr(imported, name)] == []
