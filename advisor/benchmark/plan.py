"""What a benchmark runs: models x tasks x methods x ranks, and at which scales.

Two scales, as in the study: accuracy comes from a short real fine-tune at the trial scale
(tiny images, seconds on a laptop CPU); cost (FLOPs, peak memory) is the exact cost of one
training step at the device scale (224 px, batch 32 by default), where it matters.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import TARGETS, TASKS, Config, canonical
from advisor.zoo import resolve_model


def _known(value: list[str], choices: list[str], what: str) -> list[str]:
    """``value`` without repeats, or an AdvisorError naming the first unknown entry."""
    unknown = [v for v in value if v not in choices]
    if unknown:
        raise AdvisorError(f"unknown {what} '{unknown[0]}'; choose from: {', '.join(choices)}")
    return list(dict.fromkeys(value))


class Run(BaseModel):
    """One cell of the benchmark: a fine-tune of ``config`` on ``task``."""

    model_config = ConfigDict(frozen=True)

    model: str
    task: str
    method: str
    rank: int | None
    targets: str

    @property
    def config(self) -> Config:
        return Config(self.method, self.rank, self.targets)


class BenchmarkPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: list[str] = Field(["mobilenet_v2", "mobilenet_v3_small", "resnet18"], min_length=1)
    methods: list[str] = Field(list(METHODS), min_length=1)
    ranks: list[int] = Field([1, 2, 4, 8, 16, 32], min_length=1)
    tasks: list[str] = Field(list(TASKS), min_length=1)
    targets: str = "no-depthwise"
    epochs: int = Field(4, ge=1, le=100)
    trial_resolution: int = Field(32, ge=8, le=512)
    cost_batch_size: int = Field(32, ge=1, le=4096)
    cost_resolution: int = Field(224, ge=8, le=1024)
    dataset: str = "digits"
    seed: int = 0

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
        return _known(value, list(TASKS), "task")

    @field_validator("ranks")
    @classmethod
    def _ranks(cls, value: list[int]) -> list[int]:
        if any(r < 1 for r in value):
            raise AdvisorError("ranks must be >= 1")
        return sorted(set(value))

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: str) -> str:
        if value not in TARGETS:
            raise AdvisorError(f"unknown targets '{value}'; choose from: {', '.join(TARGETS)}")
        return value

    def configs(self) -> list[Config]:
        """Rank-free methods once each; rank methods at every rank."""
        out: list[Config] = []
        for name in self.methods:
            ranks = self.ranks if METHODS[name].uses_rank else [None]
            out.extend(dict.fromkeys(canonical(name, r, self.targets) for r in ranks))
        return out

    def runs(self) -> list[Run]:
        return [Run(model=m, task=t, method=c.method, rank=c.rank, targets=c.targets)
                for m in self.models for t in self.tasks for c in self.configs()]

    def run_key(self, run: Run) -> str:
        """Identifies a finished run across resumptions: every setting that changes it."""
        return (f"{run.model}|{run.task}|{run.config.key()}|e{self.epochs}"
                f"|px{self.trial_resolution}|{self.dataset}|s{self.seed}")


QUICK = BenchmarkPlan(models=["mobilenet_v3_small", "resnet18"], ranks=[2, 8], tasks=["unseen"],
                      epochs=2)
"""Both architecture families, every method, two ranks: a few minutes on 2 cores."""
