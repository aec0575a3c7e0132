"""What a program and a preview load (issue 12): declaring resources, and checking and diffing them, never
import the HTTP client stack (``requests``, ``urllib3``, the client, IAM); it loads on the first call."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    import modelarts_pulumi
    from modelarts_pulumi.providers.training_job import TrainingJobProvider
    from modelarts_pulumi.providers.algorithm import AlgorithmProvider
    from modelarts_pulumi.providers.obs_folder import ObsFolderProvider

    TrainingJobProvider().check({}, {"name": "j", "algorithm_id": "a", "flavor_id": "f"})
    heavy = (
        "requests", "urllib3", "modelarts_pulumi.client", "modelarts_pulumi.http", "modelarts_pulumi.auth",
        "modelarts_pulumi.obs",
    )
    print(sorted(name for name in heavy if name in sys.modules))
    modelarts_pulumi.ModelArtsClient  # the lazy export still works
    print("requests" in sys.modules)
    """
)


def test_declaring_and_checking_resources_does_not_load_the_http_stack():
    env = {"PATH": "/usr/bin:/bin"}  # no credentials: the check runs offline
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    assert done.stdout.split("\n")[:2] == ["[]", "True"], done.stdout + done.stderr


MODELS_SCRIPT = textwrap.dedent(
    """
    import json
    from pydantic import BaseModel
    from pulumi.dynamic import Config, ConfigureRequest
    from modelarts_pulumi import ModelArtsClient, Settings, content, inputs, outputs, wire
    from modelarts_pulumi.providers.training_job import TrainingJobProvider

    def built(module):
        models = [m for m in vars(module).values()
                  if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == module.__name__]
        assert models, module
        done = sorted({m.__name__ for m in models if m.__pydantic_complete__})
        return "all" if len(done) == len({m.__name__ for m in models}) else done

    seen = {}
    def look(when):
        seen[when] = {m.__name__.rsplit(".", 1)[1]: built(m) for m in (inputs, outputs, content, wire)}

    look("imported")
    TrainingJobProvider().configure(ConfigureRequest(config=Config(raw_config={}, project_name="p")))
    look("configured")
    endpoint = "http://127.0.0.1:9"
    ModelArtsClient(Settings(region="r", project_id="p", modelarts_endpoint=endpoint, iam_endpoint=endpoint,
                             access_key="a", secret_key="s"))
    look("client")
    print(json.dumps(seen))
    """
)


def test_models_are_built_by_what_validates_not_at_import():
    env = {"PATH": "/usr/bin:/bin", "MODELARTS_PROVIDER_WORKERS": "4"}
    done = subprocess.run(
        [sys.executable, "-c", MODELS_SCRIPT], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    seen = json.loads(done.stdout)
    # A program that only declares resources builds no validator; but the generic Page, which pydantic builds
    # when wire parametrizes it (AlgorithmList, JobList).
    assert seen["imported"] == {"inputs": [], "outputs": [], "content": [], "wire": ["Page"]}
    # A configured provider has built what check and diff validate, before any operation runs; not the wire
    # models, which wait for a client (a preview makes none).
    assert seen["configured"] == {"inputs": "all", "outputs": "all", "content": "all", "wire": ["Page"]}
    # The client builds the wire models.
    assert seen["client"] == {"inputs": "all", "outputs": "all", "content": "all", "wire": "all"}
