"""Where advisor keeps what it computes once and reuses (pretrained weights, studies).

One directory, overridable with ``ADVISOR_CACHE_DIR`` so that tests, CI and several users on
one machine can share (or isolate) the expensive artefacts.
"""

import os
from pathlib import Path

from platformdirs import user_cache_dir

from advisor.errors import AdvisorError


def _folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AdvisorError(f"cannot use {path} as advisor's cache folder ({exc.strerror}); "
                           "set ADVISOR_CACHE_DIR to a writable folder") from None
    return path


def cache_dir() -> Path:
    root = os.environ.get("ADVISOR_CACHE_DIR") or user_cache_dir("advisor")
    return _folder(Path(root).expanduser())


def weights_dir() -> Path:
    return _folder(cache_dir() / "weights")
