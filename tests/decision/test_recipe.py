"""An export read back as a recipe: the same choice, the same device; a damaged or foreign
file is one line naming it."""

import json

import pytest

from advisor.config import Config
from advisor.decision.export import export_choice
from advisor.decision.recipe import read_recipe
from advisor.decision.recommend import decide, study_evidence
from advisor.devices.profile import load_device
from advisor.errors import AdvisorError


@pytest.fixture(scope="module")
def exported(recorded_study, tmp_path_factory):
    answer = study_evidence("mobilenetv3", "unseen", f"sqlite:///{recorded_study}", epochs=4)
    device = load_device("jetson-nano").model_copy(update={"id": "mine", "name": "Mine"})
    result = decide(answer, device, configs=[Config(method="lora", rank=8), Config(method="head")])
    folder = tmp_path_factory.mktemp("export")
    export_choice(result, result.recommendation, device, folder / "choice")
    return result.recommendation, device, folder


def test_both_files_read_back_as_the_choice_and_its_device(exported):
    option, device, folder = exported
    for name in ("choice.json", "choice.toml"):
        recipe = read_recipe(folder / name)
        assert recipe.config == option.as_config()
        assert (recipe.trial.batch_size, recipe.trial.resolution, recipe.trial.epochs) == (
            option.batch_size, option.resolution, option.epochs)
        assert recipe.trial.model == "mobilenet_v3_small" and recipe.device == device


@pytest.mark.parametrize("text,fragment", [
    ("{", "not valid JSON"),
    ("[1, 2]", "not an advisor export"),
    ('{"configuration": {"method": "lora", "rank": "eight"}}', "field 'rank'"),
    ('{"configuration": {"method": "nosuch"}}', "method"),
    ('{"configuration": {"method": "head"}, "device": "nosuch"}', "unknown device 'nosuch'"),
])
def test_a_damaged_recipe_is_one_line_naming_it(tmp_path, text, fragment):
    (tmp_path / "edited.json").write_text(text)
    with pytest.raises(AdvisorError, match=fragment) as caught:
        read_recipe(tmp_path / "edited.json")
    assert str(tmp_path / "edited.json") in str(caught.value)
    assert "\n" not in str(caught.value)


def test_only_an_export_is_a_recipe(tmp_path):
    (tmp_path / "choice.yaml").write_text(json.dumps({"configuration": {}}))
    with pytest.raises(AdvisorError, match="the .json or .toml file an export wrote"):
        read_recipe(tmp_path / "choice.yaml")
    with pytest.raises(AdvisorError, match="not found"):
        read_recipe(tmp_path / "missing.toml")
