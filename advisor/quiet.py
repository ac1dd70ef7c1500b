"""Silence third-party noise that a user of the command line cannot act on.

Called by the entry points (the CLI, the TUI, the benchmark scripts), never by library
modules: a program that imports advisor keeps its own logging and warning settings.
- galore-torch imports bitsandbytes, which logs a warning about optional CPU kernels;
- peft warns that adapters on grouped convs cannot be merged (advisor reports that itself);
- galore-torch raises FutureWarnings about torch APIs;
- Optuna logs every trial at INFO (and a failed one, Ctrl-C included, with a traceback; the
  study keeps its reason) and flags the TPE sampler's ``group`` option experimental.
"""

import logging
import warnings


def quiet_third_party() -> None:
    import optuna

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # a failed trial: its reason is kept
    warnings.filterwarnings("ignore", message=".*groups > 1. Merging is not supported.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module="galore_torch")
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
