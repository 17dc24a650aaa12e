"""Where civicai finds its manifest, prompts and shipped data.

civicai runs from a checkout (`pip install -e .`), so the top-level `models/` and `prompts/` folders sit
two levels above this package. `CIVICAI_ROOT` points elsewhere when the package is installed on its own.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def project_root() -> Path:
    env = os.environ.get("CIVICAI_ROOT")
    if env:
        return Path(env).resolve()
    for candidate in (_PACKAGE_DIR.parents[1], Path.cwd()):
        if (candidate / "models" / "manifest.toml").is_file():
            return candidate
    return _PACKAGE_DIR.parents[1]


def models_dir() -> Path:
    return project_root() / "models"


def prompts_dir() -> Path:
    return project_root() / "prompts"


def sample_dir() -> Path:
    """The sample consultation and climate plan the project ships (the demo's default input)."""
    return _PACKAGE_DIR / "data" / "sample"


def shared_data_dir() -> Path:
    """Real public data for evaluation, kept beside the checkout (never inside it)."""
    return Path(os.environ.get("CIVICAI_SHARED_DATA", project_root().parent / "shared" / "data"))
