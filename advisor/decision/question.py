"""The question a decision answers, checked once where it is asked (the Python API, the CLI,
the TUI), so that every hop after it (feasibility, levers, ranking, suggestions) can trust it
and a bad question is refused before anything is costed or searched."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from advisor.config import check_scale
from advisor.decision.evidence import Evidence
from advisor.decision.verdicts import PREFER_DEFAULT, PREFERENCES, Preference
from advisor.devices.profile import Constraints, DeviceProfile, load_device
from advisor.errors import AdvisorError


class Question(BaseModel):
    """One device, the user's limits and the scale of one update.

    ``samples``, ``epochs`` and ``num_classes`` describe the task: the evidence's (``about``),
    except ``samples`` where the user gives their own; None only until ``about`` is called.
    """

    model_config = ConfigDict(frozen=True)

    device: DeviceProfile
    constraints: Constraints = Constraints()
    batch_size: int
    resolution: int
    samples: int | None = None
    epochs: int | None = None
    num_classes: int | None = None
    prefer: Preference = PREFER_DEFAULT

    # The checks raise AdvisorError, not a ValidationError, so every edge shows the one line
    # the CLI always gave.
    @field_validator("prefer", mode="before")
    @classmethod
    def _known_preference(cls, prefer: object) -> object:
        if not isinstance(prefer, str) or prefer not in PREFERENCES:
            raise AdvisorError(f"--prefer must be one of {', '.join(PREFERENCES)}, "
                               f"got '{prefer}'")
        return prefer

    @model_validator(mode="after")
    def _check(self) -> Question:
        check_scale(self.batch_size, self.resolution)
        if self.samples is not None and self.samples < 1:
            raise AdvisorError(f"--samples must be >= 1, got {self.samples}")
        return self

    @classmethod
    def ask(cls, device: str | DeviceProfile = "jetson-nano",
            constraints: Constraints | None = None, batch_size: int | None = None,
            resolution: int | None = None, samples: int | None = None,
            prefer: Preference = PREFER_DEFAULT) -> Question:
        """The question as a user puts it: a device id or path (or profile), and None for
        "the device's own" batch size and resolution, "the evidence's" samples."""
        profile = load_device(device)
        return cls(device=profile,
                   constraints=Constraints() if constraints is None else constraints,
                   batch_size=profile.batch_size if batch_size is None else batch_size,
                   resolution=profile.resolution if resolution is None else resolution,
                   samples=samples, prefer=prefer)

    def about(self, evidence: Evidence) -> Question:
        """This question put to ``evidence``: its task's size unless the user gave one. Not
        checked again: the evidence is not user input."""
        return self.model_copy(update={
            "samples": evidence.samples if self.samples is None else self.samples,
            "epochs": evidence.epochs, "num_classes": evidence.num_classes})
