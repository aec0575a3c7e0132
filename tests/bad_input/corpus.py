"""The bad-input corpus: programs and stack configs that must fail before anything is created.

Each ``Case`` is one line: an id, the valid base it starts from, what it changes (``None`` removes a key), the
property the failure must name, and fragments of the rule (all must appear in that property's diagnostic).
A changed key that the resource class does not take is a typo in the program: Python refuses it, and the
diagnostic is the program's. Each ``ConfigCase`` is a stack of its own: config keys set or removed, and
fragments that must appear together in one error diagnostic (the config key and the rule).

Placeholders: ``@open`` / ``@strict`` become the IDs of the two algorithms the test seeds on the server
(``open`` allows custom hyperparameters; ``strict`` does not, and constrains its own, see ``SEED_ALGORITHMS``).
``folders/...`` are the local folders :func:`make_folders` writes into the project before the runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelarts_pulumi.content import MAX_CODE_BYTES, MAX_CODE_DEPTH, MAX_CODE_ENTRIES
from tests.support.constants import ENGINE_VERSION

PYTORCH = ENGINE_VERSION
BUCKET = "/bad-bucket"

# The valid starting points; each becomes a resource of the control run, which must preview cleanly.
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    "algorithm": (
        "Algorithm",
        {
            "code_dir": f"{BUCKET}/code/",
            "boot_file": f"{BUCKET}/code/train.py",
            "engine_name": "PyTorch",
            "engine_version": PYTORCH,
            "parameters": [{"name": "epochs", "value": "5", "type": "Integer"}],
            "inputs": [{"name": "data_url"}],
            "outputs": [{"name": "train_url"}],
            "tags": {"team": "ml"},
        },
    ),
    "job": (
        "TrainingJob",
        {
            "algorithm_id": "@open",
            "flavor_id": "modelarts.vm.cpu.8u",
            "inputs": {"data_url": f"{BUCKET}/data/"},
            "outputs": {"train_url": f"{BUCKET}/outputs/"},
        },
    ),
    "inline_job": (
        "TrainingJob",
        {
            "code_dir": f"{BUCKET}/code/",
            "boot_file": f"{BUCKET}/code/train.py",
            "engine_name": "PyTorch",
            "engine_version": PYTORCH,
            "flavor_id": "modelarts.vm.cpu.8u",
        },
    ),
    "strict_job": (
        "TrainingJob",
        {"algorithm_id": "@strict", "flavor_id": "modelarts.vm.cpu.8u", "hyperparameters": {"token": "t"}},
    ),
    "folder": ("ObsFolder", {"source": "folders/code", "bucket": "bad-bucket", "prefix": "uploads/code/"}),
}


def make_folders(project: Path) -> None:
    """The local folders the ObsFolder cases upload, under ``project/folders``."""
    root = project / "folders"
    files = {
        "code/train.py": "print('train')\n",
        "only-excluded/.git/HEAD": "ref: refs/heads/main\n",
        "only-excluded/__pycache__/train.cpython-311.pyc": "",
        "deep/" + "/".join(f"l{i}" for i in range(MAX_CODE_DEPTH)) + "/train.py": "",
    }
    files.update({f"many/f{i}.py": "" for i in range(MAX_CODE_ENTRIES + 1)})
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    (root / "big").mkdir()
    with (root / "big" / "weights.bin").open("wb") as handle:
        handle.truncate(MAX_CODE_BYTES + 1)  # sparse: the check lists it by size, never reads it
    (root / "dangling").mkdir()
    (root / "dangling" / "train.py").write_text("")
    os.symlink(root / "nowhere.py", root / "dangling" / "util.py")


SEED_ALGORITHMS: dict[str, dict[str, Any]] = {
    "open": {
        "parameters_customization": True,
        "parameters": [
            {"name": "dist", "value": "False", "type": "Boolean"},
            {"name": "epochs", "value": "5", "type": "Integer"},
        ],
    },
    "strict": {
        "parameters_customization": False,
        "parameters": [
            {"name": "dist", "value": "False", "type": "Boolean"},
            {"name": "epochs", "value": "5", "type": "Integer"},
            {"name": "lr", "value": "0.1", "type": "Float"},
            {"name": "mode", "value": "fast", "type": "String", "valid_range": ["fast", "slow"]},
            {"name": "seed", "value": "1", "type": "Integer", "editable": False},
            {"name": "token", "value": "", "type": "String", "required": True},
        ],
    },
}


@dataclass(frozen=True)
class Case:
    id: str
    base: str
    change: dict[str, Any]
    prop: str
    rule: tuple[str, ...]


def case(id_: str, base: str, change: dict[str, Any], prop: str, *rule: str) -> Case:
    return Case(id_, base, change, prop, rule)


ENV_101 = {f"VAR_{i}": "v" for i in range(101)}

# One case per entry; the table is kept as rows, not as the formatter would lay it out.
# fmt: off
CASES: list[Case] = [
    # --- Algorithm: types, names, lengths ----------------------------------------------------------------
    case("alg-name-pattern", "algorithm", {"name": "bad name!"}, "name", "1-64 letters", "contains ' ', '!'"),
    case("alg-name-length", "algorithm", {"name": "a" * 65}, "name", "1-64 letters", "65 characters long"),
    case("alg-description-long", "algorithm", {"description": "d" * 257}, "description", "at most 256 characters"),
    case("alg-tags-not-a-map", "algorithm", {"tags": "team=ml"}, "tags", "valid dictionary"),
    case("alg-tag-value-not-text", "algorithm", {"tags": {"team": ["ml"]}}, "tags.team", "valid string"),
    case("alg-parameters-not-a-list", "algorithm", {"parameters": {"epochs": 5}}, "parameters", "valid list"),
    case(
        "alg-customization-not-bool", "algorithm", {"parameters_customization": "maybe"},
        "parameters_customization", "valid boolean",
    ),
    case("alg-typo-top-level", "algorithm", {"boot_flie": f"{BUCKET}/code/x.py"}, "boot_flie", "unexpected keyword"),
    # --- Algorithm: OBS paths ----------------------------------------------------------------------------
    case("alg-code-dir-not-obs", "algorithm", {"code_dir": "code/"}, "code_dir", "must be an OBS path"),
    case("alg-code-dir-not-folder", "algorithm", {"code_dir": f"{BUCKET}/code"}, "code_dir", "ending with '/'"),
    case(
        "alg-bucket-uppercase", "algorithm",
        {"code_dir": "/Bad_Bucket/code/", "boot_file": "/Bad_Bucket/code/train.py"},
        "code_dir", "bucket: 3-63 lowercase",
    ),
    case("alg-boot-file-not-obs", "algorithm", {"boot_file": "train.py"}, "boot_file", "must be an OBS path"),
    case(
        "alg-boot-file-outside-code-dir", "algorithm", {"boot_file": f"{BUCKET}/other/train.py"},
        "boot_file", "must be inside code_dir",
    ),
    case("alg-boot-file-without-code-dir", "algorithm", {"code_dir": None}, "boot_file", "go together"),
    case(
        "alg-image-without-command", "algorithm",
        {"code_dir": None, "boot_file": None, "image_url": "swr.cn-north-4.myhuaweicloud.com/team/img:1"},
        "code_dir", "custom image (image_url + command)",
    ),
    # --- Algorithm: hyperparameters, channels, engine ----------------------------------------------------
    case(
        "alg-boolean-default-maybe", "algorithm",
        {"parameters": [{"name": "dist", "value": "maybe", "type": "Boolean"}]},
        "parameters[0].value", "'maybe' is not a Boolean",
    ),
    case(
        "alg-integer-default-fraction", "algorithm",
        {"parameters": [{"name": "epochs", "value": "1.5", "type": "Integer"}]},
        "parameters[0].value", "'1.5' is not an Integer",
    ),
    case(
        "alg-float-default-text", "algorithm",
        {"parameters": [{"name": "lr", "value": "fast", "type": "Float"}]},
        "parameters[0].value", "'fast' is not a Float",
    ),
    case(
        "alg-parameter-type-unknown", "algorithm", {"parameters": [{"name": "lr", "type": "Number"}]},
        "parameters[0].type", "'String', 'Integer', 'Float' or 'Boolean'",
    ),
    case(
        "alg-parameter-name-space", "algorithm", {"parameters": [{"name": "learning rate"}]},
        "parameters[0].name", "contains ' '",
    ),
    case(
        "alg-parameter-typo", "algorithm", {"parameters": [{"name": "epochs", "vaule": "5"}]},
        "parameters[0].vaule", "is not a known property", "did you mean 'value'",
    ),
    case(
        "alg-parameter-duplicate", "algorithm", {"parameters": [{"name": "epochs"}, {"name": "epochs"}]},
        "parameters", "'epochs' is used twice",
    ),
    case(
        "alg-input-duplicate", "algorithm", {"inputs": [{"name": "data_url"}, {"name": "data_url"}]},
        "inputs", "'data_url' is used twice",
    ),
    case(
        "alg-output-duplicate", "algorithm", {"outputs": [{"name": "train_url"}, {"name": "train_url"}]},
        "outputs", "'train_url' is used twice",
    ),
    case(
        "alg-no-engine", "algorithm", {"engine_name": None, "engine_version": None},
        "engine_name", "an engine is required",
    ),
    case(
        "alg-unknown-engine-version", "algorithm", {"engine_version": "pytorch_9.9"},
        "engine_version", "no engine PyTorch pytorch_9.9", "available:", f"PyTorch {PYTORCH}",
    ),
    case(
        "alg-unknown-engine-id", "algorithm",
        {"engine_id": "no-such-engine", "engine_name": None, "engine_version": None},
        "engine_id", "no engine 'no-such-engine'", "available:", PYTORCH,
    ),
    # --- TrainingJob: types, names, lengths --------------------------------------------------------------
    case("job-node-count-text", "job", {"node_count": "two"}, "node_count", "valid integer"),
    case("job-node-count-zero", "job", {"node_count": 0}, "node_count", "greater than or equal to 1"),
    case("job-node-count-fraction", "job", {"node_count": 1.5}, "node_count", "fractional part"),
    case("job-hyperparameters-a-list", "job", {"hyperparameters": ["epochs=5"]}, "hyperparameters", "valid dictionary"),
    case(
        "job-hyperparameter-name-space", "job", {"hyperparameters": {"learning rate": 1}},
        "hyperparameters", "key 'learning rate'", "1-64 letters",
    ),
    case(
        "job-hyperparameter-not-scalar", "job", {"hyperparameters": {"epochs": {"value": 5}}},
        "hyperparameters.epochs", "valid string",
    ),
    case("job-annotations-not-a-map", "job", {"annotations": "retry=3"}, "annotations", "valid dictionary"),
    case("job-environments-a-list", "job", {"environments": ["A=1"]}, "environments", "valid dictionary"),
    case("job-inputs-a-string", "job", {"inputs": f"{BUCKET}/data/"}, "inputs", "valid list"),
    case("job-volumes-a-map", "job", {"volumes": {"obs": {}}}, "volumes", "valid list"),
    case("job-keep-failed-maybe", "job", {"keep_failed": "maybe"}, "keep_failed", "valid boolean"),
    case("job-name-pattern", "job", {"name": "run/1"}, "name", "1-64 letters", "contains '/'"),
    case("job-name-length", "job", {"name": "j" * 65}, "name", "1-64 letters", "65 characters long"),
    case("job-description-long", "job", {"description": "d" * 257}, "description", "at most 256 characters"),
    case("job-typo-top-level", "job", {"node_cuont": 2}, "node_cuont", "unexpected keyword"),
    # --- TrainingJob: OBS paths and channels -------------------------------------------------------------
    case(
        "job-input-not-obs", "job", {"inputs": {"data_url": "s3://bad-bucket/data/"}},
        "inputs[0].obs_url", "must be an OBS path",
    ),
    case(
        "job-input-bucket-too-short", "job", {"inputs": {"data_url": "/ab/data/"}},
        "inputs[0].obs_url", "bucket: 3-63",
    ),
    case(
        "job-output-not-obs", "job", {"outputs": {"train_url": "bad-bucket/outputs/"}},
        "outputs[0].obs_url", "must be an OBS path",
    ),
    case(
        "job-output-to-dataset", "job",
        {"outputs": [{"name": "train_url", "dataset_id": "d1", "dataset_version_id": "v1"}]},
        "outputs", "'train_url' needs an obs_url",
    ),
    case(
        "job-input-two-sources", "job",
        {"inputs": [{"name": "data_url", "obs_url": f"{BUCKET}/d/", "dataset_id": "d1", "dataset_version_id": "v1"}]},
        "inputs[0].obs_url", "exactly one of obs_url",
    ),
    case(
        "job-input-half-dataset", "job", {"inputs": [{"name": "data_url", "dataset_id": "d1"}]},
        "inputs[0].dataset_version_id", "go together",
    ),
    case(
        "job-input-typo", "job", {"inputs": [{"name": "data_url", "obs_ulr": f"{BUCKET}/data/"}]},
        "inputs[0].obs_ulr", "is not a known property", "did you mean 'obs_url'",
    ),
    case(
        "job-input-duplicate", "job",
        {"inputs": [{"name": "data_url", "obs_url": f"{BUCKET}/a/"}, {"name": "data_url", "obs_url": f"{BUCKET}/b/"}]},
        "inputs", "'data_url' is used twice",
    ),
    case(
        "job-output-duplicate", "job",
        {"outputs": [{"name": "out", "obs_url": f"{BUCKET}/a/"}, {"name": "out", "obs_url": f"{BUCKET}/b/"}]},
        "outputs", "'out' is used twice",
    ),
    case("job-log-path-not-folder", "job", {"log_export_path": f"{BUCKET}/logs"}, "log_export_path", "ending with '/'"),
    case("job-log-path-not-obs", "job", {"log_export_path": "https://x/logs/"}, "log_export_path", "OBS path"),
    # --- TrainingJob: environment, limits, waiting -------------------------------------------------------
    case("job-env-key-digit", "job", {"environments": {"1ST": "x"}}, "environments", "key '1ST' must match"),
    case("job-env-key-dash", "job", {"environments": {"MY-VAR": "x"}}, "environments", "key 'MY-VAR' must match"),
    case("job-env-dollar", "job", {"environments": {"DATA": "$HOME/data"}}, "environments", "with '$'"),
    case("job-env-too-many", "job", {"environments": ENV_101}, "environments", "at most 100 entries (got 101)"),
    case("job-env-value-long", "job", {"environments": {"A": "x" * 4097}}, "environments", "longer than 4096"),
    case("job-auto-stop-zero", "job", {"auto_stop_hours": 0}, "auto_stop_hours", "greater than or equal to 1"),
    case("job-auto-stop-73", "job", {"auto_stop_hours": 73}, "auto_stop_hours", "less than or equal to 72"),
    case(
        "job-wait-for-unknown", "job", {"wait_for": "finished"},
        "wait_for", "'submitted', 'running' or 'completed'",
    ),
    case("job-wait-timeout-zero", "job", {"wait_timeout": 0}, "wait_timeout", "greater than or equal to 1"),
    # --- TrainingJob: what goes together -----------------------------------------------------------------
    case(
        "job-algorithm-and-inline-code", "job",
        {"code_dir": f"{BUCKET}/code/", "boot_file": f"{BUCKET}/code/train.py"},
        "algorithm_id", "not both",
    ),
    case("job-no-algorithm", "job", {"algorithm_id": None}, "algorithm_id", "an algorithm is required"),
    case("job-no-flavor-no-pool", "job", {"flavor_id": None}, "flavor_id", "or a pool_id"),
    case("inline-code-dir-not-obs", "inline_job", {"code_dir": "code/"}, "code_dir", "must be an OBS path"),
    case(
        "inline-boot-file-outside-code-dir", "inline_job", {"boot_file": f"{BUCKET}/elsewhere/train.py"},
        "boot_file", "must be inside code_dir",
    ),
    case("inline-no-boot-file", "inline_job", {"boot_file": None}, "boot_file", "go together"),
    case(
        "inline-no-engine", "inline_job", {"engine_name": None, "engine_version": None},
        "engine_name", "needs engine_id",
    ),
    # --- ObsFolder: the local source, the bucket and the prefix -----------------------------------------
    case("folder-missing", "folder", {"source": "folders/nope"}, "source", "folders/nope does not exist"),
    case("folder-is-a-file", "folder", {"source": "folders/code/train.py"}, "source", "is a file; a folder is needed"),
    case(
        "folder-empty-after-excludes", "folder", {"source": "folders/only-excluded"},
        "source", "holds no file (after excluding .git, __pycache__, *.pyc, .venv)",
    ),
    case(
        "folder-too-many-files", "folder", {"source": "folders/many"},
        "source", "holds 1001 files", "at most 1,000 files and folders in a code folder",
    ),
    case(
        "folder-too-deep", "folder", {"source": "folders/deep"},
        "source", f"{MAX_CODE_DEPTH + 1} levels deep", f"at most {MAX_CODE_DEPTH} levels in a code folder",
    ),
    case("folder-too-big", "folder", {"source": "folders/big"}, "source", "at most 5 GB", "code_limits=False"),
    case("folder-unreadable-file", "folder", {"source": "folders/dangling"}, "source", "cannot read", "util.py"),
    case("folder-bucket-name", "folder", {"bucket": "Bad_Bucket"}, "bucket", "must be an OBS bucket name"),
    case("folder-prefix-absolute", "folder", {"prefix": "/uploads/code/"}, "prefix", "without a leading '/'"),
    case("folder-prefix-dot-dot", "folder", {"prefix": "uploads/../x/"}, "prefix", "'.' or '..' segments"),
    case("folder-exclude-typo", "folder", {"exclud": ["*.csv"]}, "exclud", "unexpected keyword"),
    # --- Remote checks (credentials configured): catalog and algorithm constraints -----------------------
    case(
        "inline-unknown-engine", "inline_job", {"engine_version": "9.9"},
        "engine_version", "no engine PyTorch 9.9", "available:", f"PyTorch {PYTORCH}",
    ),
    case(
        "job-unknown-flavor", "job", {"flavor_id": "modelarts.vm.cpu.99u"},
        "flavor_id", "no flavor 'modelarts.vm.cpu.99u'", "available:", "modelarts.vm.cpu.8u (max_num 16)",
    ),
    case(
        "job-node-count-over-max", "job", {"flavor_id": "modelarts.vm.cpu.2u", "node_count": 2},
        "node_count", "more than flavor modelarts.vm.cpu.2u allows (max_num 1)", "modelarts.vm.cpu.8u (max_num 16)",
    ),
    case(
        "job-unknown-algorithm", "job", {"algorithm_id": "00000000-0000-4000-8000-000000000000"},
        "algorithm_id", "no algorithm '00000000-0000-4000-8000-000000000000'", "available:", "(bad-input-open)",
    ),
    case(
        "strict-unknown-hyperparameter", "strict_job", {"hyperparameters": {"token": "t", "bogus": 1}},
        "hyperparameters.bogus", "does not allow custom ones", "declared: dist, epochs, lr, mode, seed, token",
    ),
    case(
        "strict-boolean-maybe", "strict_job", {"hyperparameters": {"token": "t", "dist": "maybe"}},
        "hyperparameters.dist", "'maybe' is not a Boolean",
    ),
    case(
        "strict-integer-fraction", "strict_job", {"hyperparameters": {"token": "t", "epochs": 1.5}},
        "hyperparameters.epochs", "'1.5' is not an Integer",
    ),
    case(
        "strict-float-text", "strict_job", {"hyperparameters": {"token": "t", "lr": "fast"}},
        "hyperparameters.lr", "'fast' is not a Float",
    ),
    case(
        "strict-outside-valid-range", "strict_job", {"hyperparameters": {"token": "t", "mode": "medium"}},
        "hyperparameters.mode", "'medium' is not one of fast, slow",
    ),
    case(
        "strict-not-editable", "strict_job", {"hyperparameters": {"token": "t", "seed": 2}},
        "hyperparameters.seed", "not editable", "fixed at '1'",
    ),
    case(
        "strict-required-missing", "strict_job", {"hyperparameters": {}},
        "hyperparameters.token", "required by algorithm", "no default",
    ),
]
# fmt: on


@dataclass(frozen=True)
class ConfigCase:
    """A stack whose ``modelarts:`` config is wrong: ``set`` on top of the server's settings, ``remove`` dropped.

    ``expect`` fragments must all appear in one error diagnostic of ``pulumi preview``.
    """

    id: str
    set: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()


# fmt: off
CONFIG_CASES: list[ConfigCase] = [
    ConfigCase(
        "unknown-region", set={"region": "mars-north-1"}, remove=("iamEndpoint",),
        expect=("modelarts:region", "unknown region 'mars-north-1'", "ModelArts is offered in"),
    ),
    ConfigCase(
        "malformed-endpoint", set={"modelartsEndpoint": "127.0.0.1:8770"},
        expect=("modelarts:modelartsEndpoint", "must be an http(s) URL"),
    ),
    ConfigCase(
        "aksk-and-password",
        set={"userName": "local-user", "password": "local-password", "domainName": "local-account"},
        expect=("conflicting credentials", "modelarts:accessKey", "modelarts:password"),
    ),
    ConfigCase("access-key-without-secret", remove=("secretKey",), expect=("modelarts:accessKey", "no secret key")),
    ConfigCase(
        "token-and-password", remove=("accessKey", "secretKey"),
        set={"token": "t0ken", "userName": "local-user", "password": "local-password", "domainName": "local-account"},
        expect=("conflicting credentials", "modelarts:token", "modelarts:password"),
    ),
    ConfigCase(
        "malformed-obs-endpoint", set={"obsEndpoint": "127.0.0.1:8771"},
        expect=("modelarts:obsEndpoint", "must be an http(s) URL"),
    ),
    ConfigCase("insecure-maybe", set={"insecure": "maybe"}, expect=("modelarts:insecure", "must be true or false")),
    ConfigCase("max-retries-negative", set={"maxRetries": "-1"}, expect=("modelarts:maxRetries", "at least 0")),
    ConfigCase("ca-bundle-missing", set={"caBundle": "/no/ca.pem"}, expect=("modelarts:caBundle", "no such file")),
    ConfigCase(
        "unknown-project", set={"region": "ap-nowhere-9"}, remove=("projectId",),
        expect=("project not found for region 'ap-nowhere-9'", "modelarts:projectId"),
    ),
    ConfigCase(
        "secret-key-rejected", set={"secretKey": "wrongsecretkey0000000000000000000000000"},
        expect=("refused the credentials", "modelarts:secretKey"),
    ),
]
# fmt: on
