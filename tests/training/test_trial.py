import pytest

from advisor.config import TrialConfig
from advisor.errors import AdvisorError, IncompatibleConfigError
from advisor.training.trial import run_trial


@pytest.mark.slow
def test_lora_trial_learns_unseen_classes():
    result = run_trial(TrialConfig(model="mobilenetv3", task="unseen", method="lora", rank=4,
                                   epochs=2))
    assert result.config.model == "mobilenet_v3_small"  # alias resolved
    assert result.source_accuracy >= 0.95  # the shared cached pretrained checkpoint
    assert result.accuracy_before < 0.4  # a fresh head on 5 unseen classes: near chance
    assert result.accuracy_after > result.accuracy_before + 0.3
    assert 0 < result.params_trainable < result.params_total
    assert result.steps == 2 * -(-359 // 32)


@pytest.mark.slow
def test_bias_trial_recovers_from_shift():
    result = run_trial(TrialConfig(model="mobilenetv3", task="shift", method="bias", epochs=3))
    assert result.accuracy_before < result.source_accuracy - 0.05  # the shift hurts
    assert result.accuracy_after > result.accuracy_before


def test_config_defaults_are_canonical():
    config = TrialConfig(model="r18", method="lora")
    assert config.rank == 8 and config.lr == 5e-3 and config.model == "resnet18"
    assert TrialConfig(method="head").rank is None


def test_impossible_config_is_refused_before_training():
    with pytest.raises(IncompatibleConfigError):
        run_trial(TrialConfig(method="lora", rank=3, targets="all"))
    with pytest.raises(AdvisorError, match="unknown method"):
        run_trial(TrialConfig(method="prompt"))


@pytest.mark.slow
def test_trial_measures_the_cost_of_its_own_steps():
    from advisor.cost import profile_config

    config = TrialConfig(model="mobilenetv3", task="unseen", method="lora", rank=4, epochs=1)
    result = run_trial(config)
    cost = result.cost
    assert cost is not None and cost.batch_size == 32 and cost.resolution == 32
    # The trial's real steps cost exactly what the fake-tensor profiler predicts.
    predicted = profile_config("mobilenet_v3_small", config, batch_size=32,
                               resolution=32, num_classes=5)
    assert cost.flops == predicted.flops
    assert cost.memory.peak_bytes == predicted.memory.peak_bytes
    assert cost.storage_bytes == predicted.storage_bytes
    assert run_trial(config, profile=False).cost is None


def test_a_trial_keeps_the_thread_count_it_trained_with():
    """Full fine-tuning's figures move with torch's thread count (docs/transfer.md)."""
    import torch

    config = TrialConfig(model="mobilenetv3", task="unseen", method="head", epochs=1)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert run_trial(config, profile=False).threads == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow
def test_a_diverging_trial_is_a_fault_with_its_reason_not_an_accuracy():
    """LoRA at lr 0.99 drives the loss to NaN within an epoch: the trial says so instead of
    reporting the accuracy of a broken model (the search records it as failed)."""
    from advisor.training.trial import DivergedError

    with pytest.raises(DivergedError, match="not finite after"):
        run_trial(TrialConfig(model="mobilenetv3", method="lora", lr=0.99, epochs=1))
    assert not issubclass(DivergedError, AdvisorError)  # the configuration's, not the user's


def test_an_adamw_trial_keeps_the_key_it_had_before_there_was_an_optimizer_field():
    """Every stored trial (the shipped evidence's too) is keyed without the field."""
    assert "optimizer" not in TrialConfig().key()
    sgd = TrialConfig(optimizer="sgd")
    assert '"optimizer":"sgd"' in sgd.key()
    assert TrialConfig.model_validate(sgd.model_dump()) == sgd
    assert sgd.as_config() == TrialConfig().as_config()  # the configuration is the same


def test_a_trial_with_the_program_optimizer_refuses_what_a_program_cannot_run():
    for method in ("galore", "norm_head"):
        with pytest.raises(IncompatibleConfigError, match="ExecuTorch|BatchNorm"):
            run_trial(TrialConfig(method=method, optimizer="sgd"))


def test_a_trial_with_the_program_optimizer_trains_as_a_program_does(monkeypatch):
    """SGD with momentum 0.9 at the configuration's rate, BatchNorm on its running statistics
    (full fine-tuning included: no recalibration after), dropout off; and it learns."""
    import torch

    from advisor.training import trial

    seen = {}
    real = trial.train_epochs

    def watched(model, optimizer, *args, **kwargs):
        norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        seen["optimizer"] = optimizer
        seen["modes"] = {m.training for m in model.modules()
                         if isinstance(m, torch.nn.BatchNorm2d | torch.nn.Dropout)}
        seen["means"] = [m.running_mean.clone() for m in norms]
        steps = real(model, optimizer, *args, **kwargs)
        seen["after"] = [m.running_mean.clone() for m in norms]
        return steps

    monkeypatch.setattr(trial, "train_epochs", watched)
    result = run_trial(TrialConfig(model="mobilenet_v3_small_050", method="full", epochs=1,
                                   lr=3e-3, optimizer="sgd"))
    optimizer = seen["optimizer"]
    assert isinstance(optimizer, torch.optim.SGD)
    assert {(g["lr"], g["momentum"]) for g in optimizer.param_groups} == {(3e-3, 0.9)}
    assert seen["modes"] == {False}
    assert all(torch.equal(a, b) for a, b in zip(seen["means"], seen["after"], strict=True))
    assert result.config.optimizer == "sgd"
    assert result.accuracy_after > result.accuracy_before + 0.1
