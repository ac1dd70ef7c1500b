"""Silence third-party noise that a user of the command line cannot act on.

Called by the entry points (the CLI, the TUI, the benchmark scripts), never by library
modules: a program that imports advisor keeps its own logging and warning settings.
- galore-torch imports bitsandbytes, which logs a warning about optional CPU kernels;
- peft warns that adapters on grouped convs cannot be merged (advisor reports that itself);
- galore-torch raises FutureWarnings about torch APIs;
- executorch imports torchao, which registers Enums with torch's pytree; torch logs that
  this is deprecated, once per Enum;
- Optuna logs every trial at INFO (and a failed one, Ctrl-C included, with a traceback; the
  study keeps its reason) and flags the TPE sampler's ``group`` option experimental.

Optuna is not imported here: a warm ``advisor recommend`` on the shipped evidence never uses
it, and its import would be a fifth of that call's one-second budget. Its warning is matched
by its text; its log level is set by ``quiet_optuna``, which study_storage.py (the module every
use of a study goes through) calls once it has imported optuna, and which only acts when an
entry point asked for quiet.
"""

import logging
import sys
import warnings

_requested = False


def quiet_third_party() -> None:
    global _requested
    _requested = True
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*groups > 1. Merging is not supported.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module="galore_torch")
    # optuna.exceptions.ExperimentalWarning, by the texts optuna/_experimental.py gives it
    warnings.filterwarnings("ignore", message=r".*(is experimental \(supported from v|is an "
                                              r"experimental feature)")
    quiet_optuna()


def quiet_optuna() -> None:
    """Optuna's log at ERROR (a failed trial's reason is kept in the study), if an entry point
    asked for quiet and optuna has been imported."""
    if _requested and "optuna" in sys.modules:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
