"""The Python language host (tools/langhost): argument mapping, exit codes, and the plugin protocol."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pulumi_language_python as langhost
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from tests.support.constants import PULUMI_VERSION
from tests.support.pulumi_cli import TOOLS_BIN, require_pulumi_cli


def program_info(root: Path, **options: Any) -> language_pb2.ProgramInfo:
    opts = struct_pb2.Struct()
    opts.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=opts
    )


def test_construct_arguments_matches_the_go_host(tmp_path: Path) -> None:
    request = language_pb2.RunRequest(
        monitor_address="127.0.0.1:1",
        project="proj",
        stack="dev",
        pwd=str(tmp_path),
        dryRun=True,
        parallel=8,
        organization="organization",
        info=program_info(tmp_path),
        args=["extra"],
    )
    assert langhost.construct_arguments(request, "127.0.0.1:2") == [
        "--monitor", "127.0.0.1:1",
        "--engine", "127.0.0.1:2",
        "--project", "proj",
        "--root_directory", str(tmp_path),
        "--stack", "dev",
        "--pwd", str(tmp_path),
        "--dry_run", "true",
        "--parallel", "8",
        "--organization", "organization",
        ".",
        "extra",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "error", "bail"),
    [
        (0, "", False),
        (32, "", True),
        (3, "program exited with non-zero exit code: 3", False),
        (-9, "program exited unexpectedly: killed by signal 9", False),
    ],
)
def test_exit_code_mapping(code: int, error: str, bail: bool) -> None:
    response = langhost.exit_code_response(code)
    assert (response.error, response.bail) == (error, bail)


def test_resolve_python_uses_the_virtualenv_option(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    python, env = langhost.resolve_python(
        program_info(tmp_path, toolchain="pip", virtualenv="venv"), {"PATH": "/usr/bin", "PYTHONHOME": "/x"}
    )
    assert python == str(venv / "bin" / "python")
    assert env["PATH"] == f"{venv / 'bin'}{os.pathsep}/usr/bin"
    assert env["VIRTUAL_ENV"] == str(venv)
    assert "PYTHONHOME" not in env


def test_resolve_python_reports_a_missing_virtualenv(tmp_path: Path) -> None:
    with pytest.raises(langhost.LanguageHostError, match="not a virtual environment"):
        langhost.resolve_python(program_info(tmp_path, virtualenv="nope"), {})


def test_resolve_python_without_virtualenv_uses_pulumi_python_cmd(tmp_path: Path) -> None:
    python, _ = langhost.resolve_python(program_info(tmp_path), {"PULUMI_PYTHON_CMD": "/opt/py"})
    assert python == "/opt/py"


def test_unsupported_toolchain_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(langhost.LanguageHostError, match="toolchain='uv'"):
        langhost.resolve_python(program_info(tmp_path, toolchain="uv"), {})


FAKE_EXECUTOR = """\
import json, os, sys
out = {"argv": sys.argv[1:], "config": os.environ.get("PULUMI_CONFIG"),
       "secret_keys": os.environ.get("PULUMI_CONFIG_SECRET_KEYS")}
with open(os.environ["FAKE_EXEC_REPORT"], "w") as f:
    json.dump(out, f)
sys.exit(int(os.environ.get("FAKE_EXEC_CODE", "0")))
"""


@pytest.mark.parametrize(("code", "bail", "error"), [(0, False, ""), (32, True, ""), (7, False, "code: 7")])
def test_run_starts_the_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, bail: bool, error: str
) -> None:
    executor = tmp_path / "fake-exec"
    executor.write_text(FAKE_EXECUTOR)
    report = tmp_path / "report.json"
    monkeypatch.setenv("FAKE_EXEC_REPORT", str(report))
    monkeypatch.setenv("FAKE_EXEC_CODE", str(code))
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    host = langhost.PythonLanguageHost(str(executor), "127.0.0.1:9")
    request = language_pb2.RunRequest(
        project="p",
        stack="s",
        pwd=str(tmp_path),
        parallel=4,
        config={"p:who": "world"},
        configSecretKeys=["p:who"],
        info=program_info(tmp_path),
    )
    response = host.Run(request, context=None)  # type: ignore[arg-type]  # Run never touches it
    assert response.bail is bail
    assert error in response.error
    seen = json.loads(report.read_text())
    assert seen["argv"][:2] == ["--engine", "127.0.0.1:9"]
    assert seen["argv"][-1] == "."
    assert json.loads(seen["config"]) == {"p:who": "world"}
    assert json.loads(seen["secret_keys"]) == ["p:who"]


@pytest.mark.pulumi_cli
def test_plugin_protocol_over_grpc() -> None:
    """Start the installed launcher like the engine does: port on stdout, gRPC calls, SIGINT to stop."""
    require_pulumi_cli()
    proc = subprocess.Popen(
        [str(TOOLS_BIN / "pulumi-language-python"), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = language_pb2_grpc.LanguageRuntimeStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
            assert info.version == PULUMI_VERSION
            packages = stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(), timeout=10)
            assert list(packages.packages) == []
            plugins = stub.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(), timeout=10)
            assert list(plugins.plugins) == []
            stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:2"), timeout=10)
            with pytest.raises(grpc.RpcError) as excinfo:
                stub.GeneratePackage(language_pb2.GeneratePackageRequest(), timeout=10)
            assert excinfo.value.code() == grpc.StatusCode.UNIMPLEMENTED
        # The engine stops plugins with SIGINT to the process group; we must exit well before its 5 s.
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=4) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
