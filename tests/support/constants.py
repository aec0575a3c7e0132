"""Values the tests share, each written once.

The local ModelArts' built-in identity is the emulator's default (``modelarts_local.config``); it is repeated here
because the interpreter matrix runs tests on Pythons the emulator does not support, where that module cannot be
imported. ``tests/tooling/test_support.py`` checks that the two agree.
"""

from __future__ import annotations

#: The Pulumi CLI and Python SDK version (scripts/setup.sh builds the CLI; requirements.txt pins the SDK).
PULUMI_VERSION = "3.260.0"

# --- the local ModelArts' built-in identity -------------------------------------------------------------
REGION = "cn-north-4"
PROJECT_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
DOMAIN_NAME = "local-account"
DOMAIN_ID = "d0000000000000000000000000000001"
USER_NAME = "local-user"
PASSWORD = "local-password"
ACCESS_KEY = "LOCALAK0000000000000"
SECRET_KEY = "localsecretkey00000000000000000000000000"

# --- catalog entries the tests train with (the guide's, "Using PyTorch to Create a Training Job") -------
ENGINE_NAME = "PyTorch"
ENGINE_VERSION = "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"
FLAVOR_ID = "modelarts.vm.cpu.8u"
