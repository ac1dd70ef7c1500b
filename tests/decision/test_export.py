"""Export: the file holds the choice, a custom device travels with it, the commands parse."""

import json
import shlex
import tomllib

import pytest

from advisor.cli.main import build_parser
from advisor.config import Config
from advisor.decision.export import export_choice
from advisor.decision.recommend import decide, study_evidence
from advisor.devices.profile import load_device

CONFIGS = [Config(method="full"), Config(method="head"),
           Config(method="lora", rank=8, targets="no-depthwise")]


@pytest.fixture(scope="module")
def answer(recorded_study):
    return study_evidence("mobilenetv3", "unseen", f"sqlite:///{recorded_study}", epochs=4)


def test_json_and_toml_hold_the_same_choice_and_the_commands_parse(answer, tmp_path):
    result = decide(answer, "jetson-nano", configs=CONFIGS)
    option = result.recommendation
    written = export_choice(result, option, load_device("jetson-nano"), tmp_path / "choice")
    assert [p.name for p in written] == ["choice.json", "choice.toml"]
    as_json = json.loads(written[0].read_text())
    as_toml = tomllib.loads(written[1].read_text())
    assert as_json["configuration"]["method"] == as_toml["configuration"]["method"] == option.method
    assert as_json["cost"]["peak_bytes"] == option.peak_bytes
    parser = build_parser()
    for name, line in as_json["commands"].items():
        argv = shlex.split(line)
        assert argv[:2] == ["advisor", name]
        args = parser.parse_args(argv[1:])  # every command is one the CLI accepts
        assert args.model == "mobilenet_v3_small"
    trial = parser.parse_args(shlex.split(as_json["commands"]["trial"])[1:])
    assert (trial.method, trial.rank) == (option.method, option.rank)


def test_a_custom_device_is_written_beside_and_reloads(answer, tmp_path):
    device = load_device("jetson-nano").model_copy(update={"id": "custom", "name": "Mine"})
    result = decide(answer, device, configs=[Config(method="head")])
    written = export_choice(result, result.recommendation, device, tmp_path / "mine.json")
    assert [p.name for p in written] == ["mine.device.toml", "mine.json"]
    assert load_device(str(written[0])) == device
    command = json.loads(written[1].read_text())["commands"]["recommend"]
    assert f"--device {written[0]}" in command
