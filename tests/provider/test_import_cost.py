"""What a program and a preview load (issue 12): declaring resources, and checking and diffing them, never
import the HTTP client stack (``requests``, ``urllib3``, the client, IAM); it loads on the first call."""

from __future__ import annotations

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
