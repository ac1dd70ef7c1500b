"""What a recommendation is made of: every candidate evaluated for one device (``Option``), and
the ranked, explained answer (``Recommendation``). Data only: the figures are decided in
feasibility.py and ranking.py; the ``reason``, ``suggestion`` and ``notes`` texts are written
from typed fields by explain.py when shown."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

from advisor import defaults
from advisor.config import Config
from advisor.decision import explain, provenance
from advisor.decision.verdicts import (
    PREFER_DEFAULT,
    Confirmation,
    Extrapolation,
    Preference,
    Standing,
    Suggestion,
    Violation,
)
from advisor.devices.profile import Constraints, DeviceProfile


class Option(Config):
    """One candidate configuration (with its chosen learning rate), evaluated for one device."""

    epochs: int
    batch_size: int
    resolution: int
    predicted_accuracy: float = Field(description="Measured (the mean of its trials at the best "
                                                  "learning rate) if the study tried this "
                                                  "configuration, else the surrogate's.")
    accuracy_error: float | None = Field(
        description="Half-width of the 90% interval: of the mean of its trials if tried, of a "
                    "new trial if predicted (calibrated on held-out trials); None when tried "
                    "but the study repeated nothing, so the seed noise is unknown "
                    "(surrogate.py).")
    measured_accuracy: float | None = Field(None, description="If tried: the mean measured.")
    measured_runs: int = Field(0, description="Trials behind measured_accuracy.")
    confirmed: Confirmation | None = Field(
        None, description="Its accuracy measured at the device's resolution, where the "
                          "trials' is another and it was measured there (confirmation.py).")
    extrapolated: list[Extrapolation] = Field(
        default_factory=list, description="How the run recommended differs from the runs the "
                                          "accuracy was measured or learned on.")
    full_depth_ram_bytes: int | None = Field(None, description="RAM the same method, rank "
                                                               "and targets need with no lever "
                                                               "(all blocks, whole batch, no "
                                                               "checkpointing).")
    peak_bytes: int
    memory_breakdown: dict[str, int]
    required_ram_bytes: int = Field(description="the peak plus what the device's runtime adds "
                                                "(runtime.py), minus frozen weights kept in "
                                                "flash where the device does that.")
    flops_per_step: int
    flops_breakdown: dict[str, int]
    steps: int
    update_seconds: float = Field(description="ESTIMATE: FLOPs / the device's sustained rate.")
    storage_bytes: int = Field(description="Bytes of the update written to flash.")
    flash_bytes: int = Field(description="Flash the update needs: its bytes, plus the frozen "
                                         "weights where the device keeps them in flash.")
    params_trainable: int
    program_memory: dict[str, int] | None = Field(
        None, description="ExecuTorch runtime: the exported program's memory behind "
                          "required_ram_bytes (arena, program and trainable bytes, gradient "
                          "and momentum copies, runtime); None where the cost model's is.")
    violations: list[Violation]
    slack: dict[str, float] = Field(description="Limit minus need, per constraint (>= 0 fits).")
    standing: Standing | None = None

    @computed_field
    @property
    def feasible(self) -> bool:
        return not self.violations

    @computed_field
    @property
    def reason(self) -> str:
        lever = explain.levers(self, self.batch_size, self.required_ram_bytes,
                               self.full_depth_ram_bytes)
        return explain.reason(self.standing, self.violations, lever, self.extrapolated)

    @property
    def config(self) -> Config:
        return self.as_config()


class Baseline(BaseModel):
    """A rule of thumb (space.BASELINES) as this device sees it: what a user following it
    would get, beside the recommendation."""

    name: str
    label: str
    accuracy: float = Field(description="Measured if measured_runs > 0, else the surrogate's.")
    accuracy_error: float | None
    measured_runs: int
    confirmed: Confirmation | None = None
    fits: bool
    required_ram_bytes: int
    recommended: bool


def baselines_of(ranked: list[Option], chosen: Option | None) -> list[Baseline]:
    """Each baseline's option with no lever (all blocks, whole batch), where the model has
    one."""
    from advisor.space import BASELINES

    plain = {o.config.evidence_config(): o for o in ranked
             if o.micro_batch is None and not o.checkpointing}
    out = []
    for name, config in BASELINES.items():
        o = plain.get(config.evidence_config())
        if o is not None:
            out.append(Baseline(
                name=name, label=o.label, accuracy=o.predicted_accuracy,
                accuracy_error=o.accuracy_error, measured_runs=o.measured_runs,
                confirmed=o.confirmed, fits=o.feasible, required_ram_bytes=o.required_ram_bytes,
                recommended=chosen is not None and chosen.config == o.config))
    return out


class RuntimeRefusal(BaseModel):
    """A candidate the device's runtime cannot run, and why (program/support.py)."""

    label: str
    reason: str


class Basis(BaseModel):
    """What a recommendation's figures rest on, besides the study's size and error."""

    tried: int  # configurations the study measured
    dataset: str
    shipped: bool = False  # the package's own evidence (shipped.py), not a study of the user's
    trial_resolution: int
    trial_batch_size: int
    epochs: int
    batch_size: int
    resolution: int
    device: DeviceProfile
    optimizer: str = defaults.OPTIMIZER  # the trials' (sgd: as an ExecuTorch program trains)


class Recommendation(BaseModel):
    device: str
    device_name: str
    model: str
    task: str
    study: str
    trials: int
    surrogate_error: float = Field(description="The surrogate's cross-validated mean "
                                               "absolute error over the study's trials.")
    prefer: Preference = Field(PREFER_DEFAULT,
                               description="The cost that decides among tied options.")
    samples: int
    constraints: Constraints
    recommendation: Option | None
    trials_choice: Option | None = Field(None, exclude=True,
                                         description="What the trials' ranking alone chose, "
                                                     "where the device's resolution changed "
                                                     "it (confirmation.py).")
    alternatives: list[Option]
    suggested: Suggestion | None = None
    basis: Basis = Field(exclude=True)
    ranked: list[Option] = Field(default_factory=list, exclude=True,
                                 description="Every candidate, best first (for the TUI; not "
                                             "in JSON output).")
    runtime: str | None = Field(None, description="The runtime the answer is for, where it "
                                                  "limits what can run (executorch).")
    refused_by_runtime: list[RuntimeRefusal] = Field(default_factory=list)

    @computed_field
    @property
    def suggestion(self) -> str | None:
        return explain.suggestion(self.suggested)

    @computed_field
    @property
    def ties(self) -> str | None:
        """Which configurations the evidence cannot tell apart, and why this one won."""
        group = [o for o in self.ranked if o.standing is not None
                 and o.standing.kind in ("chosen", "tied")]
        return explain.ties(sorted(group, key=lambda o: -explain.deciding_accuracy(o)),
                            self.prefer)

    @computed_field
    @property
    def baselines(self) -> list[Baseline]:
        """The rules of thumb (full, LoRA r8, head-only at all blocks): measured or
        predicted, whether each fits, and which one, if any, is the recommendation."""
        return baselines_of(self.ranked, self.recommendation)

    @computed_field
    @property
    def notes(self) -> list[str]:
        b, device = self.basis, self.basis.device
        runtime = provenance.runtime_notes(self.runtime, self.refused_by_runtime, self.ranked,
                                           self.basis.optimizer) \
            if self.runtime else []
        there = provenance.chosen_there(self.recommendation, self.trials_choice, self.ranked,
                                     b.trial_resolution)
        return runtime + there + provenance.baselines(self.baselines) + provenance.notes(
            study=self.study, tried=b.tried, trials=self.trials, error=self.surrogate_error,
            task=self.task,
            dataset=b.dataset, trial_resolution=b.trial_resolution,
            trial_batch_size=b.trial_batch_size, epochs=b.epochs,
            batch_size=b.batch_size, resolution=b.resolution,
            runtime=device.memory().describe(),
            frozen_weights_in_flash=device.frozen_weights_in_flash, samples=self.samples,
            training_gflops=device.compute.training_gflops,
            training_gflops_basis=device.compute.training_gflops_basis,
            transfer=self._transfer())

    def _transfer(self) -> list[str]:
        """The measured transfer an extrapolated accuracy rests on: to the device's
        resolution, and (shipped evidence, no data of the user's) to other data."""
        from advisor.decision import transfer

        b = self.basis
        said = [transfer.resolution_note(self.model, b.resolution)
                if b.resolution != b.trial_resolution else "",
                transfer.data_note(self.model, self.task) if b.shipped else ""]
        return [sentence for sentence in said if sentence]
