"""Silence noise that peft / galore-torch print on import or use and that users cannot act on.

galore-torch imports bitsandbytes, which logs a warning about optional CPU kernels on every
import; peft warns that adapters on grouped convs cannot be merged (we report that ourselves).
"""

import logging
import warnings


def quiet_heavy_imports() -> None:
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*groups > 1. Merging is not supported.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module="galore_torch")
