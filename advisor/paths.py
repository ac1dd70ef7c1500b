"""Where advisor keeps what it computes once and reuses (pretrained weights, studies).

One directory, overridable with ``ADVISOR_CACHE_DIR`` so that tests, CI and several users on
one machine can share (or isolate) the expensive artefacts.
"""

import os
from pathlib import Path

from platformdirs import user_cache_dir


def cache_dir() -> Path:
    root = os.environ.get("ADVISOR_CACHE_DIR") or user_cache_dir("advisor")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def weights_dir() -> Path:
    path = cache_dir() / "weights"
    path.mkdir(parents=True, exist_ok=True)
    return path
