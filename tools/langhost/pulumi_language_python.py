"""`pulumi-language-python`: the Pulumi language host for Python programs, implemented in Python.

Why this exists: upstream's language host is a Go program in its own module
(`github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`), and the Go module proxy
reachable here refuses to serve that module at any version. The engine only needs *a* LanguageRuntime
gRPC server, so this file provides one on top of the protobuf stubs that ship inside the `pulumi`
Python package, and runs programs the way the Go host does: through the official
`pulumi-language-python-exec` script from the `sdk/v3` Go module.

Protocol with the engine (sdk/go/common/resource/plugin/{plugin,langruntime_plugin}.go):
- the engine starts this executable with the engine's gRPC address as the last argument;
- we print our port as the first line of stdout; everything printed after that (ours and the
  program's) is shown by the engine, stdout as info and stderr as error text;
- on shutdown the engine sends SIGINT to our process group, then SIGKILL after 5 s.

Scope: the pip toolchain (a `virtualenv` runtime option, else `PULUMI_PYTHON_CMD`/`python3`).
Required plugins and packages are reported as empty: this project needs only the bundled
`pulumi-python` dynamic provider, and nothing could be downloaded here anyway. Code generation,
debugging and the uv/poetry toolchains are not implemented.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# pulumi-language-python-exec exits with this code after it has already shown the error to the user.
BAIL_EXIT_CODE = 32
EXECUTOR_NAME = "pulumi-language-python-exec"


class LanguageHostError(Exception):
    """A problem with the program's Python setup, reported to the user as is."""


def program_options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    """The `runtime.options` map from Pulumi.yaml, as plain Python values."""
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def resolve_python(info: language_pb2.ProgramInfo, environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Pick the interpreter for the program and the environment to run it in (the Go host's pip toolchain)."""
    options = program_options(info)
    toolchain = str(options.get("toolchain") or "pip")
    if toolchain != "pip":
        raise LanguageHostError(
            f"runtime option toolchain={toolchain!r} is not supported by this language host; use 'pip'"
        )
    env = dict(environ)
    virtualenv = str(options.get("virtualenv") or "")
    if virtualenv:
        root = Path(info.root_directory or os.getcwd())
        venv = Path(virtualenv) if os.path.isabs(virtualenv) else root / virtualenv
        python = venv / "bin" / "python"
        if not python.is_file():
            raise LanguageHostError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {virtualenv!r}, but {venv} is not a "
                f"virtual environment (no {python}). Create it with: python3 -m venv {venv} && "
                f"{python} -m pip install -r requirements.txt"
            )
        # Same activation as the Go host: venv first on PATH, no PYTHONHOME leaking in from outside.
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join(p for p in (str(venv / "bin"), env.get("PATH", "")) if p)
        env.pop("PYTHONHOME", None)
        return str(python), env
    command = env.get("PULUMI_PYTHON_CMD") or shutil.which("python3") or shutil.which("python")
    if not command:
        raise LanguageHostError("no Python interpreter found: set PULUMI_PYTHON_CMD or put python3 on PATH")
    return command, env


def construct_arguments(request: language_pb2.RunRequest, engine_address: str) -> list[str]:
    """Command-line flags for pulumi-language-python-exec, in the order the Go host passes them."""
    args: list[str] = []

    def maybe(flag: str, value: str) -> None:
        if value:
            args.extend([f"--{flag}", value])

    maybe("monitor", request.monitor_address)
    maybe("engine", engine_address)
    maybe("project", request.project)
    maybe("root_directory", request.info.root_directory)
    maybe("stack", request.stack)
    maybe("pwd", request.pwd)
    maybe("dry_run", "true" if request.dryRun else "false")
    maybe("parallel", str(request.parallel))
    maybe("organization", request.organization)
    # The engine always names an entry point, "." meaning the program directory's __main__.py.
    args.append(request.info.entry_point or request.program or ".")
    args.extend(request.args)
    return args


def exit_code_response(code: int) -> language_pb2.RunResponse:
    """Map the program's exit status to a RunResponse the way the Go host does."""
    if code == 0:
        return language_pb2.RunResponse()
    if code == BAIL_EXIT_CODE:
        return language_pb2.RunResponse(bail=True)
    if code < 0:
        return language_pb2.RunResponse(error=f"program exited unexpectedly: killed by signal {-code}")
    return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """LanguageRuntime service for Python programs (pip toolchain)."""

    def __init__(self, executor: str, engine_address: str) -> None:
        self.executor = executor
        self.engine_address = engine_address
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def Handshake(
        self, request: language_pb2.LanguageHandshakeRequest, context: grpc.ServicerContext
    ) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        # Report the SDK version we run with; the engine parses it as semver.
        return plugin_pb2.PluginInfo(version=metadata.version("pulumi"))

    def GetRequiredPlugins(
        self, request: language_pb2.GetRequiredPluginsRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPluginsResponse:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(
        self, request: language_pb2.GetRequiredPackagesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPackagesResponse:
        return language_pb2.GetRequiredPackagesResponse()

    def RuntimeOptionsPrompts(
        self, request: language_pb2.RuntimeOptionsRequest, context: grpc.ServicerContext
    ) -> language_pb2.RuntimeOptionsResponse:
        return language_pb2.RuntimeOptionsResponse()

    def Run(self, request: language_pb2.RunRequest, context: grpc.ServicerContext) -> language_pb2.RunResponse:
        if request.attach_debugger:
            return language_pb2.RunResponse(error="attaching a debugger is not supported by this language host")
        try:
            python, env = resolve_python(request.info, os.environ)
        except LanguageHostError as exc:
            return language_pb2.RunResponse(error=str(exc))
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        command = [python, "-u", self.executor, *construct_arguments(request, self.engine_address)]
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            # stdout/stderr are inherited: the engine shows them, as it does for the Go host.
            child = subprocess.Popen(command, env=env)
        except OSError as exc:
            return language_pb2.RunResponse(error=f"problem executing program (could not run language executor): {exc}")
        with self._lock:
            self._children.add(child)
        try:
            code = child.wait()
        finally:
            with self._lock:
                self._children.discard(child)
        return exit_code_response(code)

    def InstallDependencies(
        self, request: language_pb2.InstallDependenciesRequest, context: grpc.ServicerContext
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        """`pulumi install`: create the virtualenv if needed, then pip install requirements.txt."""
        options = program_options(request.info)
        virtualenv = str(options.get("virtualenv") or "")
        root = Path(request.info.root_directory or request.directory or os.getcwd())
        steps: list[list[str]] = []
        python = shutil.which("python3") or sys.executable
        if virtualenv:
            venv = Path(virtualenv) if os.path.isabs(virtualenv) else root / virtualenv
            if not (venv / "bin" / "python").is_file():
                steps.append([python, "-m", "venv", str(venv)])
            python = str(venv / "bin" / "python")
        requirements = Path(request.info.program_directory or root) / "requirements.txt"
        if requirements.is_file():
            steps.append([python, "-m", "pip", "install", "-r", str(requirements)])
        for step in steps:
            yield language_pb2.InstallDependenciesResponse(stdout=f"$ {' '.join(step)}\n".encode())
            proc = subprocess.Popen(step, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert proc.stdout is not None
            for line in proc.stdout:
                yield language_pb2.InstallDependenciesResponse(stdout=line)
            if proc.wait() != 0:
                context.abort(grpc.StatusCode.UNKNOWN, f"{' '.join(step)} failed with exit code {proc.returncode}")

    def About(self, request: language_pb2.AboutRequest, context: grpc.ServicerContext) -> language_pb2.AboutResponse:
        try:
            python, env = resolve_python(request.info, os.environ)
        except LanguageHostError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        done = subprocess.run([python, "--version"], env=env, capture_output=True, text=True, check=False)
        version = (done.stdout or done.stderr).strip().removeprefix("Python ")
        return language_pb2.AboutResponse(executable=python, version=version)

    def GetProgramDependencies(
        self, request: language_pb2.GetProgramDependenciesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetProgramDependenciesResponse:
        try:
            python, env = resolve_python(request.info, os.environ)
        except LanguageHostError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        done = subprocess.run(
            [python, "-m", "pip", "list", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            context.abort(grpc.StatusCode.UNKNOWN, f"pip list failed: {done.stderr.strip()}")
        packages: list[dict[str, str]] = json.loads(done.stdout)
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[language_pb2.DependencyInfo(name=p["name"], version=p["version"]) for p in packages]
        )

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        self.terminate_children()
        return empty_pb2.Empty()

    def terminate_children(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                child.terminate()


def engine_address_from(argv: list[str]) -> str:
    """The engine passes its address as the last positional argument; any flags before it are ignored."""
    positional = [a for a in argv if not a.startswith("-")]
    return positional[-1] if positional else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--use-executor",
        default=str(Path(sys.argv[0]).resolve().parent / EXECUTOR_NAME),
        help=f"path of {EXECUTOR_NAME} (the launcher passes the copy next to the pulumi binary)",
    )
    known, rest = parser.parse_known_args(argv)
    executor = Path(known.use_executor)
    if not executor.is_file():
        print(f"missing executor {executor}", file=sys.stderr)
        return 1

    host = PythonLanguageHost(str(executor), engine_address_from(rest))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)

    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        # SIGINT reaches the running program too (same process group); stop serving at once.
        host.terminate_children()
        server.stop(grace=None)
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopped.wait(timeout=1.0):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
