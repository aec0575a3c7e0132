"""Moving from the local stack to a real region changes only stack config: without endpoint overrides the
client goes where the official SDK goes, and the real-region example stack config holds only known keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from huaweicloudsdkcore.auth.internal import IamHelper
from huaweicloudsdkmodelarts.v1.region.modelarts_region import ModelArtsRegion

from modelarts_pulumi.regions import MODELARTS_REGIONS
from modelarts_pulumi.settings import CONFIG_KEYS, Settings, modelarts_endpoint_env_var

ROOT = Path(__file__).resolve().parents[2]
AKSK = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK"}


@pytest.fixture(autouse=True)
def _no_sdk_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", raising=False)
    for region in MODELARTS_REGIONS:
        monkeypatch.delenv(modelarts_endpoint_env_var(region), raising=False)


def test_the_regions_are_the_sdks():
    assert set(MODELARTS_REGIONS) == set(ModelArtsRegion.static_fields)


@pytest.mark.parametrize("region", MODELARTS_REGIONS)
def test_default_endpoints_are_where_the_sdk_goes(region: str):
    settings = Settings.from_config({"region": region}, env=AKSK)
    assert [settings.modelarts_endpoint] == ModelArtsRegion.value_of(region).endpoints
    assert settings.iam_endpoint == IamHelper.get_iam_endpoint(region)


def test_the_real_region_example_needs_nothing_but_credentials():
    """``stacks/Pulumi.dev.yaml.example``: only keys the provider or the example program reads, and with
    credentials from the environment it resolves to the region's real endpoints (project discovered)."""
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml.example").read_text())["config"]
    program_keys = set(re.findall(r"config\.get(?:_int)?\(\"(\w+)\"\)", (ROOT / "__main__.py").read_text()))
    unknown = [
        key
        for key in config
        if not (
            (key.startswith("modelarts:") and key.removeprefix("modelarts:") in CONFIG_KEYS)
            or (key.startswith("modelarts-example:") and key.removeprefix("modelarts-example:") in program_keys)
        )
    ]
    assert unknown == []
    settings = Settings.from_config({k: str(v) for k, v in config.items() if k.startswith("modelarts:")}, env=AKSK)
    assert settings.modelarts_endpoint == "https://modelarts.cn-north-4.myhuaweicloud.com"
    assert settings.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com"
    assert settings.project_id is None
