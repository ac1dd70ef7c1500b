"""Which untried candidate the surrogate's draws take when the search knows its devices: the
one predicted to raise some device's best measured accuracy the most.

Why: the search's most accurate configurations may fit none of the devices it is for (on
mobilenet_v2 `shift`, GaLore r2 at all blocks fits neither the Raspberry Pi nor the ESP32 at
their scale), and a draw that takes the best prediction overall then spends the trials a
device's answer needs on configurations no device here can use. A candidate's worth is what
it could add to an answer: its prediction over the best mean measured among the
configurations that fit a device it fits, the largest such margin over the devices. A
candidate that fits no device comes after every one that fits one.

Without devices the search is for every device: one that everything fits, and the margin over
the search's best orders the candidates exactly as their predictions do. So does it where each
device fits every untried candidate or none (resnet18 on the regret benchmark's devices: the
Jetson and the Raspberry Pi fit its whole grid, the ESP32 nothing).
What it changed: docs/regret.md, "Draws for the devices".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from advisor.accuracy.estimate import Estimate
from advisor.config import Config
from advisor.study.device_targets import Fits

FITS_NONE = -2.0  # below any margin an accuracy in [0, 1] can have over another


def _everything(_: Config) -> bool:
    return True


def gains(tried: Mapping[Config, Estimate], predicted: Mapping[Config, Estimate],
          targets: Sequence[Fits] = ()) -> dict[Config, float]:
    """Each predicted candidate's largest margin over the best measured mean that fits a
    device it fits (``targets``: one "does it fit" per device; none: one device that fits
    everything). A device nothing measured fits has a best of 0: its first candidate leads."""
    devices = list(targets) or [_everything]
    bests = [max((e.accuracy for c, e in tried.items() if fits(c)), default=0.0)
             for fits in devices]
    out = {}
    for config, estimate in predicted.items():
        margins = [estimate.accuracy - best for fits, best in zip(devices, bests, strict=True)
                   if fits(config)]
        out[config] = max(margins) if margins else FITS_NONE + estimate.accuracy
    return out
