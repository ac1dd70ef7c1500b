"""A user's weights file: any head size loads into the architecture; what is not one is refused
(each refusal is a row of tests/cli/test_bad_input.py)."""

import pytest
import torch

from advisor.errors import AdvisorError
from advisor.weights import read_weights
from advisor.zoo import build_model, get_head, resolve_model

SPEC = resolve_model("mobilenet_v3_small_050")


def test_a_state_dict_loads_with_its_own_head(tmp_path):
    torch.manual_seed(0)
    saved = build_model(SPEC, 7)
    torch.save({"state_dict": saved.state_dict(), "epoch": 3}, tmp_path / "mine.pt")
    model = read_weights(tmp_path / "mine.pt", SPEC)
    assert get_head(model, SPEC).out_features == 7
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                 saved.state_dict().values(), strict=True))


def test_a_head_weight_that_is_not_a_matrix_is_one_line(tmp_path):
    torch.save({f"{SPEC.head}.weight": torch.zeros(3, 2, 1)}, tmp_path / "odd.pt")
    with pytest.raises(AdvisorError, match=r"odd.pt: 'classifier.3.weight' is a 3-d tensor"):
        read_weights(tmp_path / "odd.pt", SPEC)


def test_a_safetensors_file_loads_and_another_zoo_models_weights_are_named(tmp_path):
    from safetensors.torch import save_file

    saved = build_model(SPEC, 3).state_dict()
    save_file(saved, str(tmp_path / "model.safetensors"))
    assert get_head(read_weights(tmp_path / "model.safetensors", SPEC), SPEC).out_features == 3
    torch.save(build_model(resolve_model("resnet18"), 4).state_dict(), tmp_path / "r18.pt")
    with pytest.raises(AdvisorError, match=r"r18.pt holds resnet18 weights, not "
                                           r"mobilenet_v3_small_050"):
        read_weights(tmp_path / "r18.pt", SPEC)
