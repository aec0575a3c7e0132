"""Algorithms: the guide's create answer, validation codes, read / replace / delete / list."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.fidelity.guide import guide_engine
from tests.support.bodies import BOOT_FILE, CODE_DIR, PYTORCH, algorithm_body, put_code, unique
from tests.support.server import LocalModelArts


@pytest.fixture(scope="module")
def code(local_modelarts: LocalModelArts) -> None:
    put_code(local_modelarts.data_dir, CODE_DIR, {"test-pytorch.py": "x" * 4790})


def create(server: LocalModelArts, body: dict[str, Any]) -> dict[str, Any]:
    response = server.call("POST", "/algorithms", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error_code"]


def test_create_answers_the_guides_algorithm_response(local_modelarts: LocalModelArts, code: None):
    before = int(time.time() * 1000)
    body = algorithm_body()
    created = create(local_modelarts, body)
    meta = created["metadata"]
    uuid.UUID(meta["id"])
    assert before <= meta["create_time"] <= int(time.time() * 1000)
    assert meta == {
        "id": meta["id"],
        "name": body["metadata"]["name"],
        "description": "test pytorch job in cpu in mode gloo",
        "create_time": meta["create_time"],
        "workspace_id": "0",
        "ai_project": "default-ai-project",
        "user_name": local_modelarts.user_name,
        "domain_id": local_modelarts.domain_id,
        "source": "custom",
        "api_version": "",
        "is_valid": True,
        "state": "",
        "size": 4790,
        "tags": None,
        "attr_list": None,
        "version_num": 0,
        "update_time": 0,
    }
    assert created["share_info"] == {}
    config = created["job_config"]
    assert config["code_dir"] == CODE_DIR and config["boot_file"] == BOOT_FILE
    assert config["parameters"] == [
        {
            "name": "dist",
            "description": "",
            "i18n_description": None,
            "value": "False",
            "constraint": {
                "type": "Boolean",
                "editable": True,
                "required": False,
                "sensitive": False,
                "valid_type": "None",
                "valid_range": [],
            },
        },
        {
            "name": "world_size",
            "description": "",
            "i18n_description": None,
            "value": "1",
            "constraint": {
                "type": "Integer",
                "editable": True,
                "required": False,
                "sensitive": False,
                "valid_type": "None",
                "valid_range": [],
            },
        },
    ]
    assert config["parameters_customization"] is True
    assert config["inputs"] == [{"name": "data_url", "description": "Data source 1"}]
    assert config["outputs"] == [{"name": "train_url", "description": "Output data 1"}]
    assert config["engine"] == guide_engine(PYTORCH)  # the engine resolved, exactly as the guide lists it
    assert config["code_tree"] == {"name": "cpu/", "children": [{"name": "test-pytorch.py"}]}
    assert created["resource_requirements"] == []
    assert created["advanced_config"] == {}
    # GET answers the same document.
    assert local_modelarts.call("GET", f"/algorithms/{meta['id']}").json() == created


def test_code_tree_lists_nested_folders(local_modelarts: LocalModelArts):
    folder = f"/cnnorth4-job-test-v2/{unique('tree')}/code/"
    put_code(local_modelarts.data_dir, folder, {"main.py": "", "lib/util.py": "", "lib/deep/x.txt": ""})
    created = create(local_modelarts, algorithm_body(code_dir=folder, boot_file=folder + "main.py"))
    assert created["job_config"]["code_tree"] == {
        "name": "code/",
        "children": [
            {"name": "lib/", "children": [{"name": "deep/", "children": [{"name": "x.txt"}]}, {"name": "util.py"}]},
            {"name": "main.py"},
        ],
    }


def test_engine_by_id_and_custom_image(local_modelarts: LocalModelArts):
    by_id = create(local_modelarts, algorithm_body(engine={"engine_id": "caffe-1.0.0-python2.7"}))
    assert by_id["job_config"]["engine"]["engine_name"] == "Caffe"
    image = algorithm_body(engine={"image_url": "swr/me/image:1"}, command="python run.py")
    del image["job_config"]["code_dir"], image["job_config"]["boot_file"]
    custom = create(local_modelarts, image)
    assert custom["job_config"]["engine"] == {"image_url": "swr/me/image:1"}
    assert custom["job_config"]["command"] == "python run.py"
    assert "code_tree" not in custom["job_config"]


def mutate(change: Any) -> dict[str, Any]:
    body = algorithm_body()
    change(body)
    return body


def adding_param(value: str, **constraint: Any) -> Callable[[dict[str, Any]], None]:
    """A change that adds the parameter ``p`` with this default and constraint (a String unless ``type`` says)."""
    param = {"name": "p", "value": value, "constraint": {"type": "String", **constraint}}
    return lambda body: body["job_config"]["parameters"].append(param)


INVALID = [
    ("no metadata", lambda b: b.pop("metadata"), "ModelArts.2788", "metadata"),
    ("bad name", lambda b: b["metadata"].update(name="bad name!"), "ModelArts.2788", "metadata.name"),
    ("long name", lambda b: b["metadata"].update(name="a" * 65), "ModelArts.2788", "metadata.name"),
    (
        "long description",
        lambda b: b["metadata"].update(description="d" * 257),
        "ModelArts.2788",
        "metadata.description",
    ),
    ("code_dir without boot_file", lambda b: b["job_config"].pop("boot_file"), "ModelArts.2757", None),
    ("boot_file without code_dir", lambda b: b["job_config"].pop("code_dir"), "ModelArts.2758", None),
    (
        "boot_file outside code_dir",
        lambda b: b["job_config"].update(boot_file="/cnnorth4-job-test-v2/other/x.py"),
        "ModelArts.2758",
        None,
    ),
    (
        "bad obs path",
        lambda b: b["job_config"].update(code_dir="bucket/x/", boot_file="bucket/x/a.py"),
        "ModelArts.2791",
        None,
    ),
    (
        "unknown engine",
        lambda b: b["job_config"].update(engine={"engine_id": "nope-1.0"}),
        "ModelArts.2780",
        "AI engine(id:nope-1.0) not found.",
    ),
    (
        "repeated parameter",
        lambda b: b["job_config"]["parameters"].append(copy.deepcopy(b["job_config"]["parameters"][0])),
        "ModelArts.2767",
        None,
    ),
    ("boolean default", lambda b: b["job_config"]["parameters"][0].update(value="maybe"), "ModelArts.2768", None),
    ("integer default", lambda b: b["job_config"]["parameters"][1].update(value="1.5"), "ModelArts.2768", None),
    ("float default", adding_param("x", type="Float"), "ModelArts.2768", None),
    (
        "default outside range",
        adding_param("11", type="Integer", valid_type="Range", valid_range=["1", "10"]),
        "ModelArts.2769",
        None,
    ),
    (
        "default outside enumeration",
        adding_param("c", valid_type="Enumeration", valid_range=["a", "b"]),
        "ModelArts.2769",
        None,
    ),
    (
        "bad range",
        adding_param("1", type="Integer", valid_type="Range", valid_range=["9", "1"]),
        "ModelArts.2770",
        None,
    ),
    (
        "output without name",
        lambda b: b["job_config"]["outputs"].append({"description": "x"}),
        "ModelArts.2788",
        "job_config.outputs[1].name",
    ),
    (
        "bad parameter type",
        lambda b: b["job_config"]["parameters"][0]["constraint"].update(type="Date"),
        "ModelArts.2788",
        None,
    ),
    (
        "custom image without command",
        lambda b: b["job_config"].update(engine={"image_url": "swr/x:1"}),
        "ModelArts.2806",
        None,
    ),
    ("duplicate channel", lambda b: b["job_config"]["outputs"].append({"name": "data_url"}), "ModelArts.2753", None),
]


@pytest.mark.parametrize(("change", "code", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_algorithms_get_the_documented_code(local_modelarts, change, code, message):
    response = local_modelarts.call("POST", "/algorithms", json=mutate(change))
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == code
    if message is not None:
        assert message in response.json()["error_msg"]


def test_malformed_json_is_2787(local_modelarts: LocalModelArts):
    response = local_modelarts.call(
        "POST", "/algorithms", data=b'{"metadata": ', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json() == {"error_code": "ModelArts.2787", "error_msg": "Invalid JSON request body."}


def test_duplicate_name_is_2821_per_workspace(local_modelarts: LocalModelArts):
    body = algorithm_body()
    create(local_modelarts, body)
    again = local_modelarts.call("POST", "/algorithms", json=body)
    assert error_of(again) == (400, "ModelArts.2821")
    assert again.json()["error_msg"] == f"Duplicate algorithm (name {body['metadata']['name']})."
    other_workspace = copy.deepcopy(body)
    other_workspace["metadata"]["workspace_id"] = "ws-1"
    assert create(local_modelarts, other_workspace)["metadata"]["workspace_id"] == "ws-1"


def test_unknown_algorithm_is_2755_for_get_put_delete(local_modelarts: LocalModelArts):
    missing = str(uuid.uuid4())
    for method, kwargs in (("GET", {}), ("PUT", {"json": algorithm_body()}), ("DELETE", {})):
        response = local_modelarts.call(method, f"/algorithms/{missing}", **kwargs)
        assert response.status_code == 400
        assert response.json() == {"error_code": "ModelArts.2755", "error_msg": "algorithm not found."}


def test_put_replaces_the_mutable_parts_and_keeps_the_name(local_modelarts: LocalModelArts, code: None):
    body = algorithm_body()
    created = create(local_modelarts, body)
    algorithm_id = created["metadata"]["id"]
    change = copy.deepcopy(body)
    change["metadata"]["description"] = "new words"
    change["metadata"]["tags"] = [{"key": "team", "value": "ml"}]
    change["job_config"]["parameters"] = []
    change["job_config"]["inputs"] = []
    change["advanced_config"] = {"auto_search": {"reward_attrs": [], "search_params": [], "algo_configs": []}}
    response = local_modelarts.call("PUT", f"/algorithms/{algorithm_id}", json=change)
    assert response.status_code == 201, response.text
    updated = response.json()
    assert updated["metadata"]["description"] == "new words"
    assert updated["metadata"]["tags"] == [{"key": "team", "value": "ml"}]
    assert updated["metadata"]["update_time"] >= created["metadata"]["create_time"] > 0
    assert updated["metadata"]["create_time"] == created["metadata"]["create_time"]
    assert updated["job_config"]["parameters"] == [] and updated["job_config"]["inputs"] == []
    assert updated["advanced_config"] == {"auto_search": {}}
    assert local_modelarts.call("GET", f"/algorithms/{algorithm_id}").json() == updated

    rename = copy.deepcopy(change)
    rename["metadata"]["name"] = unique("renamed")
    response = local_modelarts.call("PUT", f"/algorithms/{algorithm_id}", json=rename)
    assert error_of(response) == (400, "ModelArts.2788")
    assert "metadata.name" in response.json()["error_msg"]


def test_delete_is_202_without_body(local_modelarts: LocalModelArts):
    created = create(local_modelarts, algorithm_body())
    response = local_modelarts.call("DELETE", f"/algorithms/{created['metadata']['id']}")
    assert response.status_code == 202
    assert response.content == b""
    assert error_of(local_modelarts.call("GET", f"/algorithms/{created['metadata']['id']}")) == (400, "ModelArts.2755")


def test_list_pages_sorts_and_searches(local_modelarts: LocalModelArts):
    tag = uuid.uuid4().hex[:8]
    names = [f"list-{tag}-{i}" for i in range(5)]
    for name in names:
        create(local_modelarts, algorithm_body(name))
    first = local_modelarts.call(
        "GET", "/algorithms", params={"searches": f"name:{tag.upper()}", "limit": 2, "offset": 0, "order": "asc"}
    ).json()
    assert first["count"] == 5 and first["total"] >= 5
    assert (first["limit"], first["offset"], first["sort_by"], first["order"]) == (2, 0, "create_time", "asc")
    assert "group_by" in first
    assert [a["metadata"]["name"] for a in first["items"]] == names[:2]
    third = local_modelarts.call(
        "GET", "/algorithms", params={"searches": f"name:{tag}", "limit": 2, "offset": 2, "order": "asc"}
    ).json()
    assert [a["metadata"]["name"] for a in third["items"]] == names[4:]  # offset is a page index
    by_name = local_modelarts.call(
        "GET", "/algorithms", params={"searches": f"name:{tag}", "sort_by": "name", "order": "desc"}
    ).json()
    assert [a["metadata"]["name"] for a in by_name["items"]] == sorted(names, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 51},
        {"limit": "x"},
        {"offset": -1},
        {"order": "up"},
        {"sort_by": "size"},
        {"searches": "owner:me"},
    ],
)
def test_list_rejects_bad_query_parameters(local_modelarts: LocalModelArts, params: dict[str, Any]):
    response = local_modelarts.call("GET", "/algorithms", params=params)
    assert error_of(response) == (400, "ModelArts.2764")
