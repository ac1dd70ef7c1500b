"""A scikit-learn regression surrogate of accuracy over the configuration.

Accuracy is the one quantity that needs real training, so it is learned from the study's
trials and generalised to configurations nobody tried. Its error is measured, not assumed:
cross-validated mean absolute error over the trials, reported with every prediction.
Features are the configuration's fields that can change the result (categorical ones one-hot
encoded, the learning rate as a multiple of its method's default, "all blocks" as a depth
beyond any model's), so a new field of ``Config`` becomes a feature by itself. Levers that
never change the result (checkpointing, micro-batching) share their configuration's evidence.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from advisor import defaults
from advisor.config import Config, TrialConfig
from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import lr_scale

LR_SCALES = (1 / 3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # where an untried candidate's lr is sought
FIELDS = Config.result_fields()
CATEGORICAL = [i for i, name in enumerate(FIELDS) if isinstance(getattr(Config(), name), str)]
# Every value a categorical field can take (its Literal), so the columns do not depend on
# which values a study happened to try.
NOT_APPLICABLE = "n/a"
CATEGORIES = [[*typing.get_args(Config.model_fields[FIELDS[i]].annotation), NOT_APPLICABLE]
              for i in CATEGORICAL]


class NotEnoughTrials(AdvisorError):
    """The study has too few completed trials to learn from."""


@dataclass(frozen=True)
class Estimate:
    """The accuracy of a candidate at its best learning rate, and whether it was measured."""

    accuracy: float
    config: Config  # the candidate with that learning rate
    measured: bool


def features(config: Config) -> list:
    """One row: the fields in order, the learning rate as the log of its scale, all blocks as
    a depth past any model's. A field the method ignores (a rank, target layers) is absent:
    0, or no category at all."""
    method = METHODS[config.method]
    row: list = []
    for i, name in enumerate(FIELDS):
        value = np.log(lr_scale(config)) if name == "lr" else getattr(config, name)
        if name == "targets" and not method.uses_targets:
            value = None
        if name == "depth" and value is None and method.reaches_backbone:
            value = defaults.MAX_DEPTH + 1
        row.append((NOT_APPLICABLE if i in CATEGORICAL else 0.0) if value is None else value)
    return row


def _pipeline() -> Pipeline:
    encode = ColumnTransformer([("onehot", OneHotEncoder(categories=CATEGORIES),
                                 CATEGORICAL)], remainder="passthrough")
    forest = RandomForestRegressor(n_estimators=100, min_samples_leaf=1, random_state=0)
    return Pipeline([("encode", encode), ("forest", forest)])


@dataclass
class AccuracySurrogate:
    """Random forest over the configuration's fields."""

    model: Pipeline = field(default_factory=_pipeline)
    cv_mae: float = float("nan")
    n_trials: int = 0
    tried: dict[Config, Estimate] = field(default_factory=dict)  # best measured, per candidate

    def fit(self, results: list[dict]) -> AccuracySurrogate:
        if len(results) < defaults.MIN_TRIALS:
            raise NotEnoughTrials(
                f"the study has {len(results)} completed trials; the surrogate needs at least "
                f"{defaults.MIN_TRIALS} (run 'advisor search' for more)")
        configs = [TrialConfig.model_validate(r["config"]).as_config().model_copy(
            update={"micro_batch": None, "checkpointing": False}) for r in results]
        x = np.array([features(c) for c in configs], dtype=object)
        y = np.array([r["accuracy_after"] for r in results])
        for config, accuracy in zip(configs, y, strict=True):
            best = self.tried.get(config.evidence_config())
            if best is None or accuracy > best.accuracy:
                self.tried[config.evidence_config()] = Estimate(float(accuracy), config, True)
        folds = KFold(n_splits=min(5, len(y)), shuffle=True, random_state=0)
        self.cv_mae = float(mean_absolute_error(y, cross_val_predict(self.model, x, y,
                                                                     cv=folds)))
        self.model.fit(x, y)
        self.n_trials = len(y)
        return self

    def estimate(self, candidates: list[Config]) -> dict[Config, Estimate]:
        """Per candidate: a tried one keeps its best measured accuracy and learning rate; an
        untried one gets the prediction at the learning rate the surrogate likes best (one
        batched prediction for all of them). Keyed by ``evidence_config()``."""
        candidates = list(dict.fromkeys(c.evidence_config() for c in candidates))
        untried = [c for c in candidates if c not in self.tried]
        out = {c: self.tried[c] for c in candidates if c in self.tried}
        if untried:
            rows = [c.model_copy(update={"lr": Config(method=c.method).lr * s})
                    for c in untried for s in LR_SCALES]
            predicted = self.model.predict(np.array([features(r) for r in rows], dtype=object))
            predicted = predicted.reshape(len(untried), len(LR_SCALES))
            for i, c in enumerate(untried):
                j = int(predicted[i].argmax())
                out[c] = Estimate(float(np.clip(predicted[i, j], 0.0, 1.0)),
                                  rows[i * len(LR_SCALES) + j], False)
        return out
