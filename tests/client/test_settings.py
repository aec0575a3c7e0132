"""Settings: config over env, endpoint derivation and overrides, and every configuration error's message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modelarts_pulumi.errors import ModelArtsConfigError
from modelarts_pulumi.settings import Settings

AKSK = {"accessKey": "AKCONFIG", "secretKey": "SKCONFIG"}


def load(config=None, env=None) -> Settings:
    return Settings.from_config(config or {}, env or {})


def test_config_keys_work_with_and_without_the_namespace_prefix():
    plain = load({"region": "cn-north-4", **AKSK})
    prefixed = load(
        {
            "modelarts:region": "cn-north-4",
            "modelarts:accessKey": "AKCONFIG",
            "modelarts:secretKey": "SKCONFIG",
        }
    )
    assert plain == prefixed
    assert plain.auth_kind == "aksk"


def test_other_namespaces_and_unknown_keys_are_ignored():
    settings = load({"aws:region": "us-east-1", "region": "cn-north-4", "modelarts:waitTimeout": "1h", **AKSK})
    assert settings.region == "cn-north-4"


def test_endpoints_are_derived_from_the_region():
    settings = load({"region": "cn-east-3", **AKSK})
    assert settings.modelarts_endpoint == "https://modelarts.cn-east-3.myhuaweicloud.com"
    assert settings.iam_endpoint == "https://iam.cn-east-3.myhuaweicloud.com"
    assert settings.project_id is None
    assert (settings.max_retries, settings.retry_budget_seconds, settings.timeout_seconds) == (5, 60.0, 60.0)
    assert settings.verify is True


def test_config_wins_over_env_and_terraform_env_wins_over_sdk_env():
    env = {
        "HW_REGION_NAME": "cn-south-1",
        "HW_ACCESS_KEY": "AKENV",
        "HW_SECRET_KEY": "SKENV",
        "HUAWEICLOUD_SDK_AK": "AKSDK",
        "HUAWEICLOUD_SDK_SK": "SKSDK",
        "HW_PROJECT_ID": "pid-hw",
        "HUAWEICLOUD_SDK_PROJECT_ID": "pid-sdk",
    }
    from_env = load({}, env)
    assert (from_env.region, from_env.access_key, from_env.secret_key, from_env.project_id) == (
        "cn-south-1",
        "AKENV",
        "SKENV",
        "pid-hw",
    )
    from_config = load({"region": "cn-north-4", "projectId": "pid-config", **AKSK}, env)
    assert (from_config.region, from_config.access_key, from_config.project_id) == (
        "cn-north-4",
        "AKCONFIG",
        "pid-config",
    )


def test_each_credential_convention_is_read_from_env():
    assert load({}, {"OS_REGION_NAME": "cn-north-4", "OS_ACCESS_KEY": "a", "OS_SECRET_KEY": "s"}).access_key == "a"
    sdk = load(
        {},
        {
            "HW_REGION_NAME": "cn-north-4",
            "HUAWEICLOUD_SDK_AK": "a",
            "HUAWEICLOUD_SDK_SK": "s",
            "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sts",
        },
    )
    assert (sdk.access_key, sdk.secret_key, sdk.security_token) == ("a", "s", "sts")
    password = load(
        {},
        {
            "HW_REGION_NAME": "cn-north-4",
            "HW_USER_NAME": "u",
            "HW_USER_PASSWORD": "p",
            "HW_DOMAIN_NAME": "acct",
        },
    )
    assert password.auth_kind == "password"
    openstack = load(
        {},
        {
            "HW_REGION_NAME": "cn-north-4",
            "OS_USERNAME": "u",
            "OS_PASSWORD": "p",
            "OS_USER_DOMAIN_NAME": "acct",
        },
    )
    assert (openstack.user_name, openstack.domain_name) == ("u", "acct")
    token = load({}, {"HW_REGION_NAME": "cn-north-4", "HW_AUTH_TOKEN": "MIItoken"})
    assert token.auth_kind == "token"


def test_empty_values_count_as_unset():
    settings = load({"region": "", **AKSK}, {"HW_REGION_NAME": "cn-north-4"})
    assert settings.region == "cn-north-4"


def test_endpoint_overrides_from_config_and_from_the_sdk_env_vars():
    env = {
        "HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4": "http://127.0.0.1:8770/,http://ignored",
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": "http://127.0.0.1:8770",
    }
    settings = load({"region": "cn-north-4", **AKSK}, env)
    assert settings.modelarts_endpoint == "http://127.0.0.1:8770"
    assert settings.iam_endpoint == "http://127.0.0.1:8770"
    configured = load(
        {
            "region": "cn-north-4",
            "modelartsEndpoint": "https://ma.example:9443/",
            "iamEndpoint": "https://iam.example",
            **AKSK,
        },
        env,
    )
    assert (configured.modelarts_endpoint, configured.iam_endpoint) == (
        "https://ma.example:9443",
        "https://iam.example",
    )


def test_obs_endpoint_defaults_to_the_regions_and_is_overridden_like_the_others():
    assert load({"region": "cn-east-3", **AKSK}).obs_endpoint == "https://obs.cn-east-3.myhuaweicloud.com"
    env = {"HUAWEICLOUD_SDK_REGION_OBS_CN_NORTH_4": "http://127.0.0.1:8771/"}
    assert load({"region": "cn-north-4", **AKSK}, env).obs_endpoint == "http://127.0.0.1:8771"
    configured = load({"region": "cn-north-4", "modelarts:obsEndpoint": "https://obs.example:9443", **AKSK}, env)
    assert configured.obs_endpoint == "https://obs.example:9443"
    message = error_of({"region": "cn-north-4", "obsEndpoint": "127.0.0.1:8771", **AKSK})
    assert "config modelarts:obsEndpoint must be an http(s) URL" in message
    message = error_of({"region": "cn-north-4", **AKSK}, {"HUAWEICLOUD_SDK_REGION_OBS_CN_NORTH_4": "ftp://x"})
    assert "env HUAWEICLOUD_SDK_REGION_OBS_CN_NORTH_4 must be an http(s) URL" in message


def test_terraform_auth_url_is_accepted_as_iam_endpoint():
    settings = load(
        {"region": "cn-north-4", **AKSK}, {"HW_AUTH_URL": "https://iam.cn-north-4.myhuaweicloud.com:443/v3"}
    )
    assert settings.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com:443"


def test_transport_knobs_and_tls():
    settings = load(
        {
            "region": "cn-north-4",
            "maxRetries": "2",
            "retryBudgetSeconds": "7.5",
            "timeoutSeconds": "3",
            "insecure": "true",
            **AKSK,
        }
    )
    assert (settings.max_retries, settings.retry_budget_seconds, settings.timeout_seconds) == (2, 7.5, 3.0)
    assert settings.insecure is True
    assert settings.verify is False
    assert load({"region": "cn-north-4", **AKSK}, {"HW_MAX_RETRIES": "0", "OS_INSECURE": "0"}).max_retries == 0


def test_ca_bundle_is_used_for_verification(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = load({"region": "cn-north-4", "caBundle": str(bundle), **AKSK})
    assert settings.verify == str(bundle)
    assert load({"region": "cn-north-4", **AKSK}, {"OS_CACERT": str(bundle)}).ca_bundle == str(bundle)


def test_repr_masks_every_secret():
    settings = load(
        {
            "region": "cn-north-4",
            "accessKey": "AKVISIBLE",
            "secretKey": "SKVISIBLE",
            "securityToken": "STSVISIBLE",
        }
    )
    text = repr(settings) + str(settings)
    for secret in ("AKVISIBLE", "SKVISIBLE", "STSVISIBLE"):
        assert secret not in text
    assert "access_key='***'" in text
    assert "region='cn-north-4'" in text
    password = load({"region": "cn-north-4", "userName": "alice", "password": "PWVISIBLE", "domainName": "d"})
    assert "PWVISIBLE" not in repr(password)
    assert "alice" in repr(password)
    token = load({"region": "cn-north-4", "token": "TOKENVISIBLE"})
    assert "TOKENVISIBLE" not in repr(token)
    assert "TOKENVISIBLE" not in repr(replace(token, region="cn-east-3"))


# --- errors -------------------------------------------------------------------------------------------------


def error_of(config, env=None) -> str:
    with pytest.raises(ModelArtsConfigError) as caught:
        load(config, env)
    return str(caught.value)


def test_missing_region_names_the_key_and_env_vars():
    message = error_of(dict(AKSK))
    assert "no region" in message
    assert "modelarts:region" in message
    assert "HW_REGION_NAME" in message
    assert "OS_REGION_NAME" in message


def test_unknown_region_is_refused_unless_both_endpoints_are_given():
    message = error_of({"region": "eu-de", **AKSK})
    assert "unknown region 'eu-de'" in message
    assert "cn-north-4" in message
    assert "modelarts:modelartsEndpoint" in message
    assert "modelarts:iamEndpoint" in message
    assert "HUAWEICLOUD_SDK_REGION_MODELARTS_EU_DE" in message
    only_one = error_of({"region": "eu-de", "modelartsEndpoint": "https://modelarts.eu-de.otc.t-systems.com", **AKSK})
    assert "unknown region" in only_one
    both = load(
        {
            "region": "eu-de",
            "modelartsEndpoint": "https://modelarts.eu-de.otc.t-systems.com",
            "iamEndpoint": "https://iam.eu-de.otc.t-systems.com",
            **AKSK,
        }
    )
    assert both.modelarts_endpoint == "https://modelarts.eu-de.otc.t-systems.com"


def test_no_credentials_says_which_settings_would_provide_them():
    message = error_of({"region": "cn-north-4"})
    assert "no credentials" in message
    for name in (
        "modelarts:accessKey",
        "HW_ACCESS_KEY",
        "HUAWEICLOUD_SDK_AK",
        "modelarts:secretKey",
        "modelarts:userName",
        "HW_USER_PASSWORD",
        "modelarts:domainName",
        "modelarts:token",
        "HW_AUTH_TOKEN",
    ):
        assert name in message


def test_access_key_without_secret_key_and_the_reverse():
    message = error_of({"region": "cn-north-4", "accessKey": "AKONLY"})
    assert "config modelarts:accessKey is set but no secret key" in message
    assert "HW_SECRET_KEY" in message
    assert "AKONLY" not in message
    reverse = error_of({"region": "cn-north-4"}, {"HW_SECRET_KEY": "SKONLY"})
    assert "env HW_SECRET_KEY is set but no access key" in reverse
    assert "SKONLY" not in reverse


def test_security_token_without_aksk():
    message = error_of({"region": "cn-north-4", "securityToken": "STS", "token": "T"})
    assert "modelarts:securityToken" in message
    assert "temporary AK/SK" in message


def test_aksk_together_with_a_password_or_token_is_a_conflict():
    message = error_of({"region": "cn-north-4", **AKSK}, {"HW_USER_NAME": "u", "HW_USER_PASSWORD": "PW"})
    assert "conflicting credentials" in message
    assert "config modelarts:accessKey" in message
    assert "env HW_USER_PASSWORD" in message
    assert "PW" not in message.replace("PASSWORD", "")
    token = error_of({"region": "cn-north-4", "token": "T", **AKSK})
    assert "conflicting credentials" in token
    assert "modelarts:token" in token
    both = error_of({"region": "cn-north-4", "token": "T", "userName": "u", "password": "p", "domainName": "d"})
    assert "a token (config modelarts:token) and a password (config modelarts:password)" in both


def test_a_user_name_alone_next_to_aksk_is_harmless():
    assert load({"region": "cn-north-4", **AKSK}, {"HW_USER_NAME": "u", "HW_DOMAIN_NAME": "d"}).auth_kind == "aksk"


def test_incomplete_password_credentials_name_what_is_missing():
    message = error_of({"region": "cn-north-4", "userName": "u", "password": "p"})
    assert "missing: config modelarts:domainName or env HW_DOMAIN_NAME" in message
    assert "userName" not in message.split("missing:")[1]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("maxRetries", "many", "config modelarts:maxRetries must be an integer, got 'many'"),
        ("maxRetries", "-1", "config modelarts:maxRetries must be at least 0"),
        ("retryBudgetSeconds", "soon", "config modelarts:retryBudgetSeconds must be a number"),
        ("timeoutSeconds", "0", "config modelarts:timeoutSeconds must be at least"),
        ("insecure", "maybe", "config modelarts:insecure must be true or false, got 'maybe'"),
        ("modelartsEndpoint", "127.0.0.1:8770", "config modelarts:modelartsEndpoint must be an http(s) URL"),
        ("iamEndpoint", "ftp://iam", "config modelarts:iamEndpoint must be an http(s) URL"),
        ("caBundle", "/nonexistent/ca.pem", "config modelarts:caBundle: no such file"),
    ],
)
def test_malformed_values_name_the_setting_and_the_rule(key, value, expected):
    assert expected in error_of({"region": "cn-north-4", key: value, **AKSK})


def test_env_values_are_named_by_their_env_var():
    assert "env HW_MAX_RETRIES must be an integer" in error_of(
        {"region": "cn-north-4", **AKSK}, {"HW_MAX_RETRIES": "x"}
    )


def test_ca_bundle_and_insecure_contradict(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    message = error_of({"region": "cn-north-4", "caBundle": str(bundle), "insecure": "true", **AKSK})
    assert "modelarts:caBundle" in message
    assert "modelarts:insecure" in message
