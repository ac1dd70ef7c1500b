"""What a benchmark runs: models x tasks x methods x ranks, and at which scales.

Two scales, as in the paper: accuracy comes from a short real fine-tune at the trial scale
(tiny images, seconds on a laptop CPU); cost (FLOPs, peak memory) is the exact cost of one
training step at the device scale (224 px, batch 32 by default), where it matters.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor import defaults, space
from advisor.config import Config, TargetPolicy, TrialConfig
from advisor.defaults import BatchSize, Epochs, Resolution
from advisor.errors import AdvisorError, known
from advisor.methods import METHODS
from advisor.zoo import check_rank, resolve_model


def _known(value: list[str], choices: list[str], what: str) -> list[str]:
    """``value`` without repeats, or an AdvisorError naming the first unknown entry."""
    return list(dict.fromkeys(known(v, choices, what) for v in value))


class BenchmarkPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: list[str] = Field(list(defaults.BENCHMARK_MODELS), min_length=1)
    methods: list[str] = Field(list(METHODS), min_length=1)
    ranks: list[int] = Field(list(defaults.RANKS), min_length=1)
    tasks: list[str] = Field(list(defaults.TASKS), min_length=1)
    depths: list[str] = Field(list(space.DEPTHS), min_length=1,
                              description="update depths: all, half, quarter, last or a "
                                          "number of blocks")
    targets: TargetPolicy = Field(defaults.TARGETS,
                                  description="layers adapted by lora/dora/galore")
    epochs: Epochs = Field(defaults.EPOCHS, description="fine-tuning epochs per run")
    trial_resolution: Resolution = defaults.TRIAL_RESOLUTION
    cost_batch_size: BatchSize = Field(defaults.COST_BATCH_SIZE,
                                       description="batch size of the cost")
    cost_resolution: Resolution = Field(defaults.COST_RESOLUTION, description="px of the cost")
    dataset: str = defaults.DATASET
    seed: int = defaults.SEED

    @field_validator("models")
    @classmethod
    def _models(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(resolve_model(m).name for m in value))

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        return _known(value, list(METHODS), "method")

    @field_validator("tasks")
    @classmethod
    def _tasks(cls, value: list[str]) -> list[str]:
        return _known(value, list(defaults.TASKS), "task")

    @field_validator("depths")
    @classmethod
    def _depths(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in space.DEPTHS and not name.isdigit():
                raise AdvisorError(f"unknown depth '{name}'; use {', '.join(space.DEPTHS)} or "
                                   "a number of blocks")
            if name.isdigit() and not 1 <= int(name) <= defaults.MAX_DEPTH:
                raise AdvisorError(f"depth {name}: a number of blocks must be "
                                   f"1..{defaults.MAX_DEPTH}")
        return list(dict.fromkeys(value))

    @field_validator("ranks")
    @classmethod
    def _ranks(cls, value: list[int]) -> list[int]:
        bad = [r for r in value if not 1 <= r <= defaults.MAX_RANK]
        if bad:
            raise AdvisorError(f"ranks must be 1..{defaults.MAX_RANK}, got {bad[0]}")
        return sorted(set(value))

    def check_ranks(self) -> None:
        """Refuse a rank above the widest layer of every model of the plan (it costs a
        skeleton per model, so it is asked for before running, not on every plan made)."""
        check_rank(max(self.ranks), [resolve_model(m) for m in self.models])

    def depth_names(self, model: str) -> dict[int | None, str]:
        """This plan's depths on ``model`` by the name the plan gives them (the first name of
        each distinct depth: on a 5-block ResNet 'quarter' and 'last' are one block)."""
        spec = resolve_model(model)
        names: dict[int | None, str] = {}
        for name in self.depths:
            depth = spec.depth(name)
            if depth is not None and depth >= spec.block_count:
                depth = None
            names.setdefault(depth, name)
        return names

    def configs(self, model: str) -> list[Config]:
        """Rank-free methods once per depth; rank methods at every rank and depth; a method
        that only trains the head once."""
        out: list[Config] = []
        for name in self.methods:
            ranks = self.ranks if METHODS[name].uses_rank else [None]
            depths = self.depth_names(model) if METHODS[name].reaches_backbone else [None]
            out.extend(dict.fromkeys(Config(method=name, rank=r, targets=self.targets, depth=d)
                                     for d in depths for r in ranks))
        return out

    def runs(self) -> list[TrialConfig]:
        """Every fine-tune of the plan: its identity across resumptions is its key."""
        return [TrialConfig(**c.model_dump(), model=m, task=t, epochs=self.epochs,
                            resolution=self.trial_resolution, dataset=self.dataset,
                            seed=self.seed)
                for m in self.models for t in self.tasks for c in self.configs(m)]


QUICK = BenchmarkPlan(models=["mobilenet_v3_small", "resnet18"], ranks=[2, 8], tasks=["unseen"],
                      depths=["all", "quarter"], epochs=2)
"""Both architecture families, every method, two ranks, two depths: minutes on 2 cores."""
