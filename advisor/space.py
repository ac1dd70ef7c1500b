"""The configuration space: the candidates the recommender ranks and the space the study
searches, both over the fields of ``Config``.

The candidate grid spans what changes the result and the cost of a step (method, rank, target
layers, update depth); the learning rate is chosen per candidate from the evidence, and the
levers that never change the result (micro-batching, checkpointing) are tried by the
recommender where a candidate does not fit. The study also searches the learning rate, as a
scale of each method's default. ``suggest`` and ``trial_params`` are inverses: a finished
trial result can be added to a study as if the study had sampled it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import defaults
from advisor.config import Config
from advisor.methods import METHODS, TARGET_POLICIES
from advisor.zoo import resolve_model

if TYPE_CHECKING:
    import optuna

TARGETS = tuple(TARGET_POLICIES)
DEPTHS = ("all", "half", "quarter", "last")  # named on each model: zoo.ModelSpec.depth
# The rules of thumb a user compares an answer against, each at all blocks: a search measures
# them before anything else (study/next_candidate.py) and the answer says how they did.
BASELINES = {"full fine-tuning": Config(method="full"),
             "LoRA r8": Config(method="lora", rank=8, targets="no-depthwise"),
             "head only": Config(method="head")}


def depths(model: str) -> list[int | None]:
    """The update depths the candidates and the study take on this model."""
    spec = resolve_model(model)
    return list(dict.fromkeys(spec.depth(name) for name in DEPTHS))


def grid(model: str) -> list[Config]:
    """Every method x rank x target policy x depth (validity on the model is checked
    separately)."""
    configs = []
    for name, m in METHODS.items():
        for rank in defaults.RANKS if m.uses_rank else (None,):
            for targets in TARGETS if m.uses_targets else (defaults.TARGETS,):
                for depth in depths(model) if m.reaches_backbone else (None,):
                    configs.append(Config(method=name, rank=rank, targets=targets, depth=depth))
    return configs


def lr_scale(config: Config) -> float:
    """The learning rate as a multiple of the method's default (the searched quantity)."""
    return config.lr / METHODS[config.method].default_lr


def suggest(trial: optuna.Trial, model: str) -> Config:
    """The configuration an Optuna trial samples."""
    method = trial.suggest_categorical("method", list(METHODS))
    m = METHODS[method]
    # Ranks on a log scale: powers of two, as in the candidate grid.
    rank = (2 ** trial.suggest_int("log2_rank", 0, len(defaults.RANKS) - 1)
            if m.uses_rank else None)
    targets = (trial.suggest_categorical("targets", list(TARGETS)) if m.uses_targets
               else defaults.TARGETS)
    depth = (resolve_model(model).depth(trial.suggest_categorical("depth", list(DEPTHS)))
             if m.reaches_backbone else None)
    scale = trial.suggest_float("lr_scale", *defaults.LR_SCALE, log=True)
    return Config(method=method, rank=rank, targets=targets, depth=depth,
                  lr=m.default_lr * scale)


def _depth_name(model: str, depth: int | None) -> str | None:
    spec = resolve_model(model)
    return next((name for name in DEPTHS if spec.depth(name) == depth), None)


def in_space(config: Config, model: str) -> bool:
    """Whether ``suggest`` could have produced this configuration on this model."""
    low, high = defaults.LR_SCALE
    rank_ok = config.rank is None or config.rank in defaults.RANKS
    levers = config.micro_batch is None and not config.checkpointing
    return (rank_ok and levers and _depth_name(model, config.depth) is not None
            and low * (1 - 1e-9) <= lr_scale(config) <= high * (1 + 1e-9))


def trial_params(config: Config, model: str) -> tuple[dict, dict]:
    """(params, distributions) of the Optuna trial that ``suggest`` turns into ``config``."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    m = METHODS[config.method]
    params: dict = {"method": config.method}
    dists: dict = {"method": CategoricalDistribution(list(METHODS))}
    if m.uses_rank:
        params["log2_rank"] = defaults.RANKS.index(config.rank)
        dists["log2_rank"] = IntDistribution(0, len(defaults.RANKS) - 1)
    if m.uses_targets:
        params["targets"] = config.targets
        dists["targets"] = CategoricalDistribution(list(TARGETS))
    if m.reaches_backbone:
        params["depth"] = _depth_name(model, config.depth)
        dists["depth"] = CategoricalDistribution(list(DEPTHS))
    params["lr_scale"] = min(max(lr_scale(config), defaults.LR_SCALE[0]), defaults.LR_SCALE[1])
    dists["lr_scale"] = FloatDistribution(*defaults.LR_SCALE, log=True)
    return params, dists
