"""The configuration of an update: the one type every layer of advisor uses.

A configuration is what a user chooses about an update (method, rank, target layers, learning
rate). Everything else derives from it: a trial is a configuration run somewhere
(``TrialConfig``), a candidate's cost depends on its cost fields only (``cost_config``), the
study's search space, the surrogate's features, an option of a recommendation, an export and a
benchmark run all read its fields. A new dimension is one new field here, marked ``COST`` when
it changes the cost of a training step; the code that uses it is the only other change.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from advisor import defaults
from advisor.defaults import BatchSize, Epochs, Resolution
from advisor.errors import AdvisorError, IncompatibleConfigError, known
from advisor.methods import METHODS, TARGET_POLICIES
from advisor.zoo import resolve_model

# json_schema_extra of the fields: "cost" says how a field changes the cost of a step ("step":
# its op sequence, profiled; "scale": like the batch size, by scaling two profiles, see
# cost/scaling.py); "result": False marks a field that never changes what the update computes
# (so the evidence of a configuration without it holds for one with it).
COST = {"cost": "step"}
SCALE = {"cost": "scale"}
SAME_RESULT = {"result": False}

MethodName = Literal[tuple(METHODS)]  # type: ignore[valid-type]
TargetPolicy = Literal[tuple(TARGET_POLICIES)]  # type: ignore[valid-type]
TaskName = Literal[defaults.TASKS]  # type: ignore[valid-type]
Optimizer = Literal[defaults.OPTIMIZERS]  # type: ignore[valid-type]


def canonical_key(value: BaseModel | dict) -> str:
    """One key for anything built from configurations: canonical JSON, floats to 12 digits
    (so a learning rate computed two ways is one key)."""
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value

    def norm(v: Any) -> Any:
        if isinstance(v, float):
            return float(f"{v:.12g}")
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(data), sort_keys=True, separators=(",", ":"))


class Config(BaseModel):
    """A fine-tuning configuration, canonical: defaults filled in, fields a method ignores
    reset, so that equal updates compare, hash and key equal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: MethodName = Field(defaults.METHOD, description="fine-tuning method",
                               json_schema_extra=COST)
    rank: int | None = Field(None, ge=1, le=defaults.MAX_RANK, json_schema_extra=COST,
                             description=f"adapter / projection rank (default "
                                         f"{defaults.RANK} for methods that take one)")
    targets: TargetPolicy = Field(defaults.TARGETS, json_schema_extra=COST,
                                  description="layers adapted by lora/dora/galore")
    lr: float | None = Field(None, gt=0, lt=1,
                             description="learning rate (default: the method's)")
    depth: int | None = Field(None, ge=0, le=defaults.MAX_DEPTH,
                              json_schema_extra={**COST, "metavar": "K|all"},
                              description="update only the last K blocks of the backbone; the "
                                          "frozen blocks before them run without storing "
                                          "anything for backward (default all)")
    micro_batch: int | None = Field(None, ge=1, le=defaults.MAX_BATCH_SIZE,
                                    json_schema_extra={**SCALE, **SAME_RESULT},
                                    description="samples per forward/backward pass, gradients "
                                                "accumulated over the batch (default: the "
                                                "whole batch at once)")
    checkpointing: bool = Field(False, json_schema_extra={**COST, **SAME_RESULT},
                                description="recompute each updated block in backward instead "
                                            "of storing its activations")

    @field_validator("depth", mode="before")
    @classmethod
    def _all_blocks(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == "all" else value

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        name = data.get("method", defaults.METHOD)
        method = METHODS.get(name) if isinstance(name, str) else None
        if method is None:
            known(str(name), list(METHODS), "method")
        if method.uses_rank:
            if data.get("rank") is None:
                data["rank"] = defaults.RANK
        elif data.get("rank") is not None:
            raise IncompatibleConfigError(f"{method.name} has no rank; drop --rank")
        if not method.uses_targets:
            data["targets"] = defaults.TARGETS
        if data.get("lr") is None:
            data["lr"] = method.default_lr
        if not method.reaches_backbone:  # nothing to limit or recompute
            data["depth"], data["checkpointing"] = None, False
        if data.get("depth") == 0:
            data["checkpointing"] = False
        return data

    @classmethod
    def cost_fields(cls, kind: str = "step") -> tuple[str, ...]:
        """The fields that change the op sequence of a training step (``step``), or its cost
        the way the batch size does (``scale``). The rest change only the result: an exact
        cost is shared by every learning rate."""
        return tuple(name for name, f in Config.model_fields.items()
                     if (f.json_schema_extra or {}).get("cost") == kind)

    def as_config(self) -> Config:
        """This object's configuration (a TrialConfig or an Option is one, and more)."""
        return Config.model_validate(self.model_dump(include=set(Config.model_fields)))

    def cost_config(self) -> Config:
        """The configuration with only the fields that change a step's op sequence (others at
        their defaults): the key of an exact, batch-scaled cost."""
        return Config.model_validate(self.model_dump(include=set(self.cost_fields())))

    @classmethod
    def result_fields(cls) -> tuple[str, ...]:
        """The fields that can change what an update computes: what evidence is about.
        (Micro-batching is one where BatchNorm statistics train: the recommender says so.)"""
        return tuple(name for name, f in Config.model_fields.items()
                     if (f.json_schema_extra or {}).get("result", True))

    def evidence_config(self) -> Config:
        """The configuration as far as accuracy is concerned: levers that never change the
        result (checkpointing, micro-batching) and the learning rate, which the evidence
        chooses, at their defaults. Trials and predictions are about these."""
        return Config.model_validate(
            self.model_dump(include=set(self.result_fields()) - {"lr"}))

    def key(self) -> str:
        return canonical_key(self)

    @property
    def label(self) -> str:
        """'lora r8 (no-depthwise), last 4 blocks, micro-batch 8, checkpointing' or 'head': the
        long label (decision/explain.py writes the short one, for table cells)."""
        head = self.method if self.rank is None else f"{self.method} r{self.rank} ({self.targets})"
        return ", ".join([head, *self.lever_words()])

    def lever_words(self, batch_size: int | None = None) -> list[str]:
        """The memory levers in use, as the label and explain.py's reasons write them: 'last 4
        blocks', 'micro-batch 8' (given the batch, 'micro-batch 8 x 4'), 'checkpointing'."""
        words = []
        if self.depth is not None:
            words.append(f"last {self.depth} block{'s' if self.depth != 1 else ''}")
        if self.micro_batch is not None:
            steps = f" x {batch_size // self.micro_batch}" if batch_size else ""
            words.append(f"micro-batch {self.micro_batch}{steps}")
        if self.checkpointing:
            words.append("checkpointing")
        return words


class TrialConfig(Config):
    """A configuration run as a trial: on which model, task and data, how long, at which
    scale, with which seed. Everything that determines a trial's outcome."""

    model: str = Field(defaults.MODEL, description="name or alias (advisor models)")
    task: TaskName = Field(defaults.TASK, description="update scenario")
    epochs: Epochs = Field(defaults.EPOCHS, description="fine-tuning epochs")
    batch_size: BatchSize = Field(defaults.TRIAL_BATCH_SIZE, description="batch size")
    resolution: Resolution = Field(defaults.TRIAL_RESOLUTION, description="input size in px")
    seed: int = Field(defaults.SEED, ge=0, le=2**32 - 1, description="seed of the fine-tune")
    weights: str = Field(defaults.WEIGHTS,
                         description="builtin, imagenet, or a state-dict file")
    dataset: str = Field(defaults.DATASET,
                         description="digits (built-in), fashion-mnist[:DIR], imagefolder:PATH "
                                     "(a folder per class; an image that cannot be read is "
                                     "refused, not skipped) or cifar10:PATH")
    corruption: str = Field(defaults.CORRUPTION,
                            description="shift task: corruption name or 'mixed'")
    severity: int = Field(defaults.SEVERITY, ge=1, le=5, description="shift task: 1..5")
    # Left out of a dump at its default, so the key of every AdamW trial stored before this
    # field (the shipped evidence's too) stays what it was.
    optimizer: Optimizer = Field(defaults.OPTIMIZER, exclude_if=lambda v: v == defaults.OPTIMIZER,
                                 description="adamw (advisor update's) or sgd: SGD with "
                                             "momentum 0.9 as an ExecuTorch program trains "
                                             "(BatchNorm statistics kept, dropout off)")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return resolve_model(value).name

    @model_validator(mode="after")
    def _on_this_model(self) -> TrialConfig:
        """Canonical on this model and batch: all blocks is depth None, a micro-batch of the
        whole batch is none; a depth beyond the model or a micro-batch that does not divide
        the batch is refused."""
        blocks = resolve_model(self.model).block_count
        if self.depth is not None and self.depth > blocks:
            raise IncompatibleConfigError(f"{self.model} has {blocks} blocks; --depth "
                                          f"{self.depth} reaches beyond them (use all or "
                                          f"0..{blocks})")
        if self.depth == blocks:
            object.__setattr__(self, "depth", None)
        if self.micro_batch is not None:
            if self.batch_size % self.micro_batch:
                raise IncompatibleConfigError(
                    f"--micro-batch {self.micro_batch} does not divide --batch-size "
                    f"{self.batch_size}")
            if self.micro_batch == self.batch_size:
                object.__setattr__(self, "micro_batch", None)
        return self


def check_task(task: str) -> str:
    return known(task, list(defaults.TASKS), "task")


def check_scale(batch_size: int | None = None, resolution: int | None = None) -> None:
    """The bounds every batch size and resolution advisor accepts (defaults.py)."""
    low, high = defaults.MIN_BATCH_SIZE, defaults.MAX_BATCH_SIZE
    if batch_size is not None and not low <= batch_size <= high:
        raise AdvisorError(f"--batch-size must be {low}..{high}, got {batch_size}")
    low, high = defaults.MIN_RESOLUTION, defaults.MAX_RESOLUTION
    if resolution is not None and not low <= resolution <= high:
        raise AdvisorError(f"--resolution must be {low}..{high} px, got {resolution}")
