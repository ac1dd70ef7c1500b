"""Two worker threads importing torch/torchvision at once can trip over torchvision's circular
imports ("partially initialized module"); each worker imports them under this lock first."""

import threading

_IMPORTS = threading.Lock()


def import_torch_stack() -> None:
    with _IMPORTS:
        import advisor.cost.step
        import advisor.training.trial  # noqa: F401
