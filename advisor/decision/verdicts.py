"""Typed verdicts: which limit an option breaks and by how much, where it stands in the
ranking, and what change would make something fit.

Code decides on these fields only; the English for a person is written from them by
explain.py, when an edge (CLI, TUI, JSON) shows them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from advisor.config import Config

Constraint = Literal["memory", "flash", "update_time", "accuracy"]


class Violation(BaseModel):
    """A limit an option breaks: it needs more RAM, flash or time than ``limit`` (bytes,
    seconds), or for ``accuracy``, ``need`` is the predicted accuracy below the floor."""

    model_config = ConfigDict(frozen=True)

    constraint: Constraint
    need: float
    limit: float
    set_by: Literal["device", "user"]  # the device's own limit, or the user's tighter one


class Extrapolation(BaseModel):
    """The accuracy estimate describes another run than the one recommended: what differs."""

    model_config = ConfigDict(frozen=True)

    what: Literal["batchnorm_batch"]  # BatchNorm statistics over another batch size
    measured: int  # in the evidence
    used: int  # in the recommended update


# Among options the evidence cannot tell apart, the one needing the least of this (ranking.py):
# the Option field each preference compares. RAM first: it rules most updates out.
PREFERENCES = {"memory": "required_ram_bytes", "time": "update_seconds", "flash": "flash_bytes"}
Preference = Literal["memory", "time", "flash"]
PREFER_DEFAULT: Preference = "memory"
# Accuracy estimates closer than this (half a point) are not worth more of the preferred cost
# (ranking.py's tie test; explain.py words it).
EQUIVALENT = 0.005


class Confirmation(BaseModel):
    """A configuration's accuracy measured at the device's resolution (confirmation.py)."""

    model_config = ConfigDict(frozen=True)

    resolution: int
    lr: float  # the learning rate it was measured with there
    accuracy: float  # the mean over its runs
    error: float | None  # half-width of the 90% interval of that mean; None from one run
    runs: int


class Standing(BaseModel):
    """Where a ranked option stands relative to the recommendation. ``resolution`` set: the
    choice was made among the configurations measured at that resolution (confirmation.py),
    and ``gap`` and ``error`` are there; ``unconfirmed``: an option not measured there, its
    ``gap`` in the trials' figures."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["chosen", "tied", "less_accurate", "unconfirmed", "infeasible"]
    gap: float = 0.0  # accuracy behind the recommendation (chosen: behind the most accurate)
    error: float = 0.0  # the tie margin the gap to the most accurate is judged against
    ties: int = 0  # chosen: how many other options it was tied with
    prefer: Preference = PREFER_DEFAULT  # the cost that decided among ties
    resolution: int | None = None  # where the choice was made, if not at the trials'


class Suggestion(BaseModel):
    """Nothing fits: the smallest change that would help, or the bound that is physical.

    - ``frozen_weights_exceed_flash``: even the smallest update needs more flash than the
      device has (the frozen weights live there): a smaller model;
    - ``smaller_scale``: ``config`` fits at ``batch_size`` x ``resolution``;
    - ``nothing_fits_ram``: not even the lightest configuration at batch 1 fits the RAM;
    - ``below_floor``: the runtime and the weights that must sit in RAM need more than the
      limit (``required_ram_bytes``) before any update runs: no scale or lever helps;
    - ``forward_exceeds_ram``: one sample's forward pass with the weights needs more RAM than
      there is (``forward_bytes``, at this resolution): no update fits at this resolution;
      ``batch_size`` x ``resolution`` names a smaller scale where the lightest configuration
      fits, if any;
    - ``relax``: the most accurate option breaks only the user's limits in ``violations``.
    """

    kind: Literal["frozen_weights_exceed_flash", "smaller_scale", "nothing_fits_ram",
                  "below_floor", "forward_exceeds_ram", "relax"]
    config: Config
    violations: list[Violation] = []
    models: list[str] = []  # for frozen_weights_exceed_flash: zoo models whose weights fit
    batch_size: int | None = None
    resolution: int | None = None
    required_ram_bytes: int | None = None
    forward_bytes: int | None = None  # forward_exceeds_ram: one sample's forward + weights
