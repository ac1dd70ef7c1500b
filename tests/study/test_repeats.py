"""Which front-runner a repeat confirms (repeats.py): with the devices a search is for, each
device's own front-runners in turn; without them, or once every device is settled, the most
accurate. On a small in-memory study, nothing trained."""

import optuna

from advisor import space
from advisor.config import Config, TrialConfig
from advisor.devices.profile import load_device
from advisor.study import repeats
from advisor.study.device_targets import DeviceFits
from advisor.study.trials import read

MODEL = "mobilenet_v3_small"
HEAVY = Config(method="full")  # fits no device here
LIGHT = Config(method="lora", rank=8, targets="no-depthwise", depth=3)
LIGHTER = Config(method="head", depth=3)


def _done(config: Config, accuracy: float, seed: int = 0) -> optuna.trial.FrozenTrial:
    params, dists = space.trial_params(config, MODEL)
    result = {"config": TrialConfig(**config.model_dump(), model=MODEL, seed=seed)
              .model_dump(mode="json"), "accuracy_after": accuracy}
    return optuna.trial.create_trial(params=params, distributions=dists,
                                     values=[accuracy, 1.0], user_attrs={"result": result})


def _study(*trials: optuna.trial.FrozenTrial) -> optuna.Study:
    study = optuna.create_study(directions=["maximize", "minimize"])
    for t in trials:
        study.add_trial(t)
    return study


def _queued(study: optuna.Study) -> Config:
    """The configuration of the repeat queued last."""
    params = read(study).in_flight[-1].system_attrs["fixed_params"]
    return Config(method=params["method"], rank=2 ** params["log2_rank"]
                  if "log2_rank" in params else None,
                  targets=params.get("targets"), depth=_depth(params))


def _depth(params: dict) -> int | None:
    named = params.get("depth", "all")
    return None if named == "all" else space.depths(MODEL)[space.DEPTHS.index(named)]


def _fits(*configs: Config):
    allowed = {c.evidence_config() for c in configs}
    return lambda config: config.evidence_config() in allowed


def test_without_devices_the_most_accurate_is_confirmed():
    study = _study(_done(HEAVY, 0.90), _done(LIGHT, 0.85))
    assert repeats.queue_front_runner(study)
    assert _queued(study) == HEAVY


def test_a_device_gets_its_own_front_runner_not_one_that_fits_none():
    study = _study(_done(HEAVY, 0.90), _done(LIGHT, 0.85), _done(LIGHTER, 0.80))
    assert repeats.queue_front_runner(study, [_fits(LIGHT, LIGHTER)])
    assert _queued(study) == LIGHT


def test_devices_take_turns():
    study = _study(_done(HEAVY, 0.90), _done(LIGHT, 0.85), _done(LIGHTER, 0.80))
    both = [_fits(HEAVY, LIGHT, LIGHTER), _fits(LIGHTER)]
    assert repeats.queue_front_runner(study, both)  # turn 0: the first device
    assert repeats.queue_front_runner(study, both)  # turn 1: the second
    firsts = [t.system_attrs["fixed_params"]["method"] for t in read(study).in_flight]
    assert firsts == ["full", "head"]


def test_a_configuration_a_device_could_tie_with_its_leader_is_confirmed_too():
    """The leader has its seeds; one half a point below it, one run, is still a contender
    (the recommender would call them equal and take the cheaper)."""
    leader = [_done(LIGHT, 0.850, seed) for seed in range(repeats.SEEDS)]
    study = _study(_done(HEAVY, 0.90), *leader, _done(LIGHTER, 0.846))
    assert repeats.queue_front_runner(study, [_fits(LIGHT, LIGHTER)])
    assert _queued(study) == LIGHTER


def test_a_settled_device_gives_way_to_the_most_accurate():
    """Its leader has its seeds and nothing open is within half a point of it."""
    leader = [_done(LIGHT, 0.850, seed) for seed in range(repeats.SEEDS)]
    study = _study(_done(HEAVY, 0.90), *leader, _done(LIGHTER, 0.80))
    assert repeats.queue_front_runner(study, [_fits(LIGHT, LIGHTER)])
    assert _queued(study) == HEAVY


def test_a_repeat_asks_a_device_about_its_tried_configurations_in_one_batch():
    """The first repeats come before any guided draw, which costs the whole grid
    (next_candidate.py); one configuration per question would be profiled without the cost
    cache's worker processes (device_targets.DeviceFits.warm)."""
    batches = []

    class Recorded(DeviceFits):  # judged by method instead of profiled
        def warm(self, configs):
            batches.append(len(configs))
            self._known.update({c.evidence_config(): c.method != "full" for c in configs})

    device = Recorded(MODEL, load_device("esp32-s3-psram"), 10)
    study = _study(_done(HEAVY, 0.90), _done(LIGHT, 0.85), _done(LIGHTER, 0.80))
    assert repeats.queue_front_runner(study, [device])
    assert batches == [3] and _queued(study) == LIGHT
