"""A method's acceptance of a configuration: one decision for the trial and the screening."""

import pytest

from advisor.config import Config
from advisor.errors import IncompatibleConfigError
from advisor.methods.acceptance import refusal
from advisor.training.trial import check_config
from advisor.zoo import resolve_model, skeleton


def test_the_trial_refuses_with_the_screenings_reason():
    spec = resolve_model("mobilenet_v3_small")
    refused = Config(method="lora", rank=8, targets="all")
    assert refusal(skeleton(spec), spec, Config(method="head")) is None
    reason = refusal(skeleton(spec), spec, refused)
    assert reason and "groups" in reason
    with pytest.raises(IncompatibleConfigError) as raised:
        check_config("mobilenet_v3_small", refused)
    assert str(raised.value) == reason
    check_config("mobilenet_v3_small", Config(method="head"))
