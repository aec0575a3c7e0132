"""modelarts-local: a local Huawei Cloud ModelArts (training API v2) and IAM, served over real HTTP.

Start it with ``python -m modelarts_local serve --data-dir DIR``; see ``modelarts_local.__main__``.
"""

__version__ = "0.1.0"
