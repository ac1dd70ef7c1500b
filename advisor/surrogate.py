"""A scikit-learn regression surrogate of accuracy over the searched settings.

Accuracy is the one quantity that needs real training, so it is learned from the study's
trials and generalised to configurations nobody tried. Its error is measured, not assumed:
cross-validated mean absolute error over the trials, reported with every prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_predict

from advisor.errors import AdvisorError
from advisor.methods import METHODS
from advisor.space import TARGETS, Config, canonical

MIN_TRIALS = 5
LR_SCALES = (1 / 3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def features(config: Config, lr_scale: float) -> list[float]:
    methods = [float(config.method == m) for m in METHODS]
    uses_targets = METHODS[config.method].uses_targets
    targets = [float(uses_targets and config.targets == t) for t in TARGETS]
    rank = math.log2(config.rank) if config.rank else -1.0
    return [*methods, *targets, rank, math.log(lr_scale)]


@dataclass
class AccuracySurrogate:
    """Random forest over (method, target policy, log2 rank, log lr scale)."""

    model: RandomForestRegressor = field(default_factory=lambda: RandomForestRegressor(
        n_estimators=100, min_samples_leaf=1, random_state=0))
    cv_mae: float = float("nan")
    n_trials: int = 0
    tried: dict[Config, tuple[float, float]] = field(default_factory=dict)  # best (acc, lr_scale)

    def fit(self, results: list[dict]) -> AccuracySurrogate:
        if len(results) < MIN_TRIALS:
            raise AdvisorError(f"the study has {len(results)} completed trials; the surrogate "
                               f"needs at least {MIN_TRIALS} (run 'advisor search' for more)")
        x, y = [], []
        for r in results:
            c = r["config"]
            config = canonical(c["method"], c["rank"], c["targets"])
            scale = c["lr"] / METHODS[c["method"]].default_lr
            x.append(features(config, scale))
            y.append(r["accuracy_after"])
            if y[-1] > self.tried.get(config, (-1.0, 1.0))[0]:
                self.tried[config] = (y[-1], scale)
        x_arr, y_arr = np.array(x), np.array(y)
        folds = KFold(n_splits=min(5, len(y)), shuffle=True, random_state=0)
        predicted = cross_val_predict(self.model, x_arr, y_arr, cv=folds)
        self.cv_mae = float(np.mean(np.abs(predicted - y_arr)))
        self.model.fit(x_arr, y_arr)
        self.n_trials = len(y)
        return self

    def best_lr_scales(self, configs: list[Config]) -> dict[Config, tuple[float, float]]:
        """(accuracy, lr scale) per config. A configuration the study tried keeps its best
        measured accuracy and learning rate; an untried one gets the surrogate's prediction at
        the learning rate it likes best (one batched prediction for all of them)."""
        rows = np.array([features(c, s) for c in configs for s in LR_SCALES])
        predictions = self.model.predict(rows).reshape(len(configs), len(LR_SCALES))
        best = predictions.argmax(axis=1)
        return {c: self.tried.get(c) or (float(np.clip(predictions[i, j], 0.0, 1.0)),
                                         LR_SCALES[j])
                for i, (c, j) in enumerate(zip(configs, best, strict=True))}


__all__ = ["AccuracySurrogate", "features"]
