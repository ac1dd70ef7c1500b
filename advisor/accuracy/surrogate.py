"""A scikit-learn regression surrogate of accuracy over the configuration.

Accuracy is the one quantity that needs real training, so it is learned from the study's
trials and generalised to configurations nobody tried. Its uncertainty is measured, not
assumed; every estimate carries a 90% interval:

- untried: an interval for a trial of that configuration, from normalized split-conformal
  calibration (Papadopoulos et al. 2008; Lei et al., JASA 2018): on cross-validated held-out
  trials, the residual divided by sigma(x) = sqrt(spread(x)^2 + tau^2), where spread is the
  standard deviation of the forest's trees there and tau the median held-out residual; the
  finite-sample 90% quantile of those ratios scales sigma at any new configuration. Wide where
  the trees disagree, narrow where trials agree; its coverage on trials the surrogate never
  saw is checked by ``held_out_coverage`` (benchmarks/surrogate_calibration.py);
- tried: the mean of its repeated trials (same learning rate, other seeds), with the 90%
  t-interval of that mean from the seed noise pooled over every repeated configuration of the
  study; a study without repeats has no seed-noise estimate, and then no interval (None).
  The best learning rate is chosen by the mean, not by a lucky seed.
Features are the configuration's fields that can change the result (categorical ones one-hot
encoded, the learning rate as a multiple of its method's default, "all blocks" as a depth
beyond any model's), so a new field of ``Config`` becomes a feature by itself. Levers that
never change the result (checkpointing, micro-batching) share their configuration's evidence.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from advisor import defaults
from advisor.accuracy.estimate import Estimate, NotEnoughTrials
from advisor.config import Config, TrialConfig
from advisor.methods import METHODS
from advisor.space import lr_scale

LR_SCALES = (1 / 3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # where an untried candidate's lr is sought
COVERAGE = 0.90  # the intervals printed are 90% intervals
NOISE_FLOOR = 0.005  # tau of at least half a point: a perfect fit is not certainty
FIELDS = Config.result_fields()
CATEGORICAL = [i for i, name in enumerate(FIELDS) if isinstance(getattr(Config(), name), str)]
# Every value a categorical field can take (its Literal), so the columns do not depend on
# which values a study happened to try.
NOT_APPLICABLE = "n/a"
CATEGORIES = [[*typing.get_args(Config.model_fields[FIELDS[i]].annotation), NOT_APPLICABLE]
              for i in CATEGORICAL]


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
    scale: float = float("nan")  # the conformal quantile: half-width = scale x sigma(x)
    tau: float = float("nan")  # the median held-out residual (sigma's noise part)
    seed_sd: float | None = None  # seed noise pooled over repeated configurations
    seed_df: int = 0  # its degrees of freedom
    n_trials: int = 0
    tried: dict[Config, Estimate] = field(default_factory=dict)  # best mean, per candidate

    def fit(self, results: list[dict]) -> AccuracySurrogate:
        if len(results) < defaults.MIN_TRIALS:
            raise NotEnoughTrials(
                f"the study has {len(results)} completed trials; the surrogate needs at least "
                f"{defaults.MIN_TRIALS} (run 'advisor search' for more)")
        configs = [_evidence_row(r) for r in results]
        x = np.array([features(c) for c in configs], dtype=object)
        y = np.array([r["accuracy_after"] for r in results])
        self.tried = _best_means(configs, y)
        predicted, spread = np.empty_like(y), np.empty_like(y)
        for train, held_out in KFold(n_splits=min(5, len(y)), shuffle=True,
                                     random_state=0).split(x):
            fold = clone(self.model).fit(x[train], y[train])
            predicted[held_out], spread[held_out] = _predict(fold, x[held_out])
        self.cv_mae = float(mean_absolute_error(y, predicted))
        self.tau = max(float(np.median(np.abs(y - predicted))), NOISE_FLOOR)
        self.scale = _conformal_quantile(np.abs(y - predicted) / np.hypot(spread, self.tau))
        self.seed_sd, self.seed_df = _pooled_seed_noise(configs, y)
        self.model.fit(x, y)
        self.n_trials = len(y)
        return self

    def estimate(self, candidates: list[Config]) -> dict[Config, Estimate]:
        """Per candidate: a tried one keeps its best mean measured accuracy and learning rate;
        an untried one gets the prediction at the learning rate the surrogate likes best (one
        batched prediction for all of them). Each with its 90% interval. Keyed by
        ``evidence_config()``."""
        candidates = list(dict.fromkeys(c.evidence_config() for c in candidates))
        untried = [c for c in candidates if c not in self.tried]
        out = {}
        for c in candidates:
            if c in self.tried:
                e = self.tried[c]
                out[c] = Estimate(e.accuracy, e.config, True, self._measured_half_width(e.runs),
                                  e.runs)
        if untried:
            rows = [c.model_copy(update={"lr": Config(method=c.method).lr * s})
                    for c in untried for s in LR_SCALES]
            predicted, spread = _predict(self.model,
                                         np.array([features(r) for r in rows], dtype=object))
            predicted = predicted.reshape(len(untried), len(LR_SCALES))
            for i, c in enumerate(untried):
                j = int(predicted[i].argmax())
                out[c] = Estimate(float(np.clip(predicted[i, j], 0.0, 1.0)),
                                  rows[i * len(LR_SCALES) + j], False,
                                  self._predicted_half_width(spread[i * len(LR_SCALES) + j]))
        return out

    def _predicted_half_width(self, spread: float) -> float:
        return float(min(1.0, self.scale * np.hypot(spread, self.tau)))

    def _measured_half_width(self, runs: int) -> float | None:
        """None without repeated trials: the model's error at a configuration says nothing
        about how a measured one varies with the seed."""
        if self.seed_sd is None:
            return None
        from scipy.stats import t

        return float(min(1.0, t.ppf(0.5 + COVERAGE / 2, self.seed_df) * self.seed_sd
                         / np.sqrt(runs)))


def _evidence_row(result: dict) -> Config:
    """A trial's configuration as evidence: levers that never change the result dropped."""
    return TrialConfig.model_validate(result["config"]).as_config().model_copy(
        update={"micro_batch": None, "checkpointing": False})


def _runs(configs: list[Config], y: np.ndarray) -> dict[Config, list[float]]:
    """The accuracies of each configuration (learning rate included) over its trials."""
    runs: dict[Config, list[float]] = {}
    for config, accuracy in zip(configs, y, strict=True):
        runs.setdefault(config, []).append(float(accuracy))
    return runs


def _best_means(configs: list[Config], y: np.ndarray) -> dict[Config, Estimate]:
    """Per candidate, the learning rate whose repeated trials have the best mean."""
    best: dict[Config, Estimate] = {}
    for config, accuracies in _runs(configs, y).items():
        mean = float(np.mean(accuracies))
        key = config.evidence_config()
        if key not in best or mean > best[key].accuracy:
            best[key] = Estimate(mean, config, True, runs=len(accuracies))
    return best


def _pooled_seed_noise(configs: list[Config], y: np.ndarray) -> tuple[float | None, int]:
    """The standard deviation of a trial around its configuration's mean, pooled over the
    configurations tried more than once (the same parameters, other seeds), and its degrees
    of freedom; (None, 0) when no configuration was repeated."""
    repeated = [np.asarray(r) for r in _runs(configs, y).values() if len(r) > 1]
    df = sum(len(r) - 1 for r in repeated)
    if df < 2:
        return None, 0
    return float(np.sqrt(sum(((r - r.mean()) ** 2).sum() for r in repeated) / df)), df


def _predict(model: Pipeline, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The forest's prediction and its spread (std of its trees' predictions)."""
    encoded = model[:-1].transform(x)
    trees = np.stack([tree.predict(encoded) for tree in model[-1].estimators_])
    return trees.mean(axis=0), trees.std(axis=0)


def _conformal_quantile(scores: np.ndarray) -> float:
    """The finite-sample conformal quantile: covers a new score with probability >= 90%."""
    n = len(scores)
    level = min(1.0, np.ceil((n + 1) * COVERAGE) / n)
    return float(np.quantile(scores, level, method="higher"))


def held_out_coverage(results: list[dict], folds: int = 5) -> tuple[int, int, int]:
    """(trials inside the 90% interval, inside +- the cross-validated MAE, trials checked):
    each fold's trials against a surrogate fitted, and calibrated, without them: the honest
    check of the printed intervals (the MAE band is what advisor printed before them)."""
    inside = within_mae = 0
    splits = KFold(n_splits=min(folds, len(results)), shuffle=True, random_state=1)
    for train, held_out in splits.split(results):
        surrogate = AccuracySurrogate().fit([results[i] for i in train])
        configs = [_evidence_row(results[i]) for i in held_out]
        predicted, spread = _predict(surrogate.model,
                                     np.array([features(c) for c in configs], dtype=object))
        y = np.array([results[i]["accuracy_after"] for i in held_out])
        half = np.array([surrogate._predicted_half_width(s) for s in spread])
        inside += int((np.abs(y - predicted) <= half).sum())
        within_mae += int((np.abs(y - predicted) <= surrogate.cv_mae).sum())
    return inside, within_mae, len(results)
