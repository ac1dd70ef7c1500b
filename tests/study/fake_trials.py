"""A trial result without training, for tests where the search's bookkeeping is under test.

Its cost is a real fake-mode profile at batch 2 and 32 px. Searches of the same seed draw the
same configurations, so a profile is kept per configuration for the whole test session:
profiling, not the bookkeeping, was most of these tests' time."""

from advisor.training.trial import MeasuredCost, TrialResult

_costs: dict[str, object] = {}


def fake_result(config, **_) -> TrialResult:
    from advisor.cost import profile_config

    cost_config = config.cost_config()
    key = f"{config.model}:{cost_config.model_dump_json()}"
    if key not in _costs:
        _costs[key] = profile_config(config.model, cost_config, 2, 32)
    cost = _costs[key]
    return TrialResult(config=config, accuracy_before=0.5,
                       accuracy_after=0.5 + 0.01 * (config.rank or 0), source_accuracy=0.9,
                       params_total=cost.params.total, params_trainable=cost.params.trainable,
                       steps=1, train_seconds=0.0, wall_seconds=0.0,
                       cost=MeasuredCost(batch_size=2, resolution=32, flops=cost.flops,
                                         memory=cost.memory, storage_bytes=cost.storage_bytes))
