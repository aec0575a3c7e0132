"""Training flavors and preset engines: the guide's examples, filters, config extensions."""

from __future__ import annotations

from tests.fidelity.guide import GUIDE, guide_engine
from tests.support.bodies import PYTORCH
from tests.support.server import LocalModelArts

GUIDE_PYTORCH = guide_engine(PYTORCH)


def test_cpu_flavors_are_exactly_the_guides(local_modelarts: LocalModelArts):
    response = local_modelarts.call("GET", "/training-job-flavors", params={"flavor_type": "CPU"})
    assert response.status_code == 200
    assert response.json() == GUIDE["flavors_response"]


def test_flavor_filters(local_modelarts: LocalModelArts):
    every = local_modelarts.call("GET", "/training-job-flavors").json()
    assert every["total_count"] == len(every["flavors"]) == 4
    gpu = local_modelarts.call("GET", "/training-job-flavors", params={"flavor_type": "GPU"}).json()
    assert {f["flavor_id"] for f in gpu["flavors"]} == {"modelarts.p3.large.public.free", "modelarts.vm.pnt1.large.eco"}
    assert all(f["flavor_info"]["gpu"]["unit_num"] >= 1 for f in gpu["flavors"])
    ascend = local_modelarts.call("GET", "/training-job-flavors", params={"flavor_type": "Ascend"}).json()
    assert ascend == {"total_count": 0, "flavors": []}
    bad = local_modelarts.call("GET", "/training-job-flavors", params={"flavor_type": "TPU"})
    assert bad.status_code == 400
    assert bad.json() == {"error_code": "ModelArts.2764", "error_msg": "Invalid query parameter (flavor_type)."}


def test_engines_include_the_documented_items(local_modelarts: LocalModelArts):
    body = local_modelarts.call("GET", "/training-job-engines").json()
    assert body["total"] == len(body["items"])
    by_id = {e["engine_id"]: e for e in body["items"]}
    assert by_id[GUIDE_PYTORCH["engine_id"]] == GUIDE_PYTORCH
    assert by_id["tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64"]["engine_name"] == "TensorFlow"
    mindspore = by_id["mindspore_1.6.0-cann_5.0.3.6-py_3.7-euler_2.8.3-aarch64"]
    assert mindspore["engine_name"] == "Powered-Engine" and mindspore["run_user"] == "1000"
    assert by_id["caffe-1.0.0-python2.7"]["v1_compatible"] is True
    assert by_id["xgboost-sklearn-python3.6"]["engine_version"] == "XGBoost-0.80-Sklearn-0.18.1-python3.6"
    assert by_id["pytorch-cp36-1.3.0"]["engine_version"] == "PyTorch-1.3.0-python3.6"
    assert "pytorch-cp36-1.4.0-v2" in by_id


def test_catalog_extends_from_the_config(start_local_modelarts):
    server = start_local_modelarts(
        config={
            "flavors": [
                {
                    "flavor_id": "modelarts.vm.ascend.1",
                    "flavor_name": "Ascend test flavor",
                    "flavor_type": "Ascend",
                    "billing": {"code": "modelarts.vm.ascend.1", "unit_num": 1},
                    "flavor_info": {
                        "max_num": 2,
                        "npu": {"unit_num": "1", "product_name": "Ascend-910", "memory": "32GB"},
                    },
                },
                {  # same id as a seed flavor: replaces it
                    "flavor_id": "modelarts.vm.cpu.2u",
                    "flavor_name": "Bigger 2u",
                    "flavor_type": "CPU",
                    "flavor_info": {"max_num": 4},
                },
            ],
            "engines": [{"engine_id": "local-python", "engine_name": "Python", "engine_version": "python3.11"}],
        }
    )
    ascend = server.call("GET", "/training-job-flavors", params={"flavor_type": "Ascend"}).json()
    assert [f["flavor_id"] for f in ascend["flavors"]] == ["modelarts.vm.ascend.1"]
    cpu = {
        f["flavor_id"]: f
        for f in server.call("GET", "/training-job-flavors", params={"flavor_type": "CPU"}).json()["flavors"]
    }
    assert cpu["modelarts.vm.cpu.2u"]["flavor_name"] == "Bigger 2u"
    engines = {e["engine_id"] for e in server.call("GET", "/training-job-engines").json()["items"]}
    assert {"local-python", GUIDE_PYTORCH["engine_id"]} <= engines
