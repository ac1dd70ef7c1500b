"""What ExecuTorch's training programs can run, with the reason where they cannot.

Kept free of torch so that a recommendation can ask it for every candidate.
- BatchNorm in training mode does not export (``_native_batch_norm_legit_functional`` has no
  out variant), so a program's norm layers use their running statistics. Full fine-tuning
  still trains every weight (affine norm parameters included) and says the statistics stay;
  norm+head's point is re-estimating them, so it is refused.
- GaLore projects gradients inside its optimizer; the runtime's only optimizer is SGD.
- ``torch.utils.checkpoint`` is dropped by the export without a word: the program would
  store the activations the configuration was costed as recomputing.
"""

from __future__ import annotations

from advisor.config import Config

RUNTIME = "executorch"
# What shapes a program: the configuration, its batch, resolution and seed (the optimizer's
# learning rate is SGD's own, --lr)
FIELDS = ("method", "rank", "targets", "depth", "micro_batch", "checkpointing", "batch_size",
          "resolution", "seed")
OPTIMIZER = "sgd"  # the only optimizer executorch 1.5's Python bindings expose
MOMENTUM = 0.9
STATISTICS_FROZEN = ("BatchNorm statistics stay at the starting weights' (the runtime cannot "
                     "update them)")


def refusal(config: Config) -> str | None:
    """Why ExecuTorch's training runtime cannot run ``config``; None where it can."""
    if config.method == "galore":
        return ("GaLore projects gradients inside its optimizer; ExecuTorch's training "
                "runtime has SGD only")
    if config.method == "norm_head":
        return ("norm+head re-estimates the BatchNorm statistics, which an ExecuTorch program "
                "cannot update (BatchNorm in training mode does not export)")
    if config.checkpointing:
        return ("checkpointing: torch.export drops torch.utils.checkpoint, so the program "
                "would store the activations this configuration recomputes; use it without "
                "checkpointing")
    return None


def passes(batch_size: int, micro_batch: int | None) -> int:
    """Forward-backward passes per optimizer step; the program's shape is one pass's (the
    configuration's micro-batch divides its batch: TrialConfig checks it)."""
    return 1 if micro_batch is None else batch_size // micro_batch


def notes(config: Config) -> list[str]:
    """What the program does differently from advisor's PyTorch update of ``config``."""
    said = ["optimizer: SGD with momentum 0.9 (the runtime's), not AdamW; the accuracy "
            "advisor recommend prints was measured with AdamW, SGD's is not measured",
            "dropout off (random ops are not exported)"]
    if config.method == "full":
        said.append(f"full fine-tuning with {STATISTICS_FROZEN}")
    return said
