"""The cost cache's recorder of used costs and its kept per-model facts, on a tiny cost file
(two entries copied from the shipped one): nothing is profiled."""

import json

import pytest

from advisor.config import Config
from advisor.cost import cache


@pytest.fixture
def two_costs(tmp_path, monkeypatch):
    """A shipped file of two costs of mobilenet_v3_small at 64 px (full and head) and an empty
    user cache; returns the two configurations and their keys."""
    shipped = json.loads(cache.SHIPPED.read_text())
    found = {}  # method -> (key, configuration)
    for key in shipped.keys() - set(cache.TABLES):
        fields = json.loads(key)
        config = fields["config"]
        if (fields["model"], fields["resolution"], fields["num_classes"], fields["passes"],
                config["depth"]) == ("mobilenet_v3_small", 64, 5, 1, None):
            found.setdefault(config["method"], (key, Config(**config)))
    wanted = [found["full"], found["head"]]
    small = {key: shipped[key] for key, _ in wanted}
    small |= {"refusals": {}, "parameters": {"resnet18": {"5": 1}}, "forward_peaks": {}}
    path = tmp_path / "shipped.json"
    path.write_text(json.dumps(small))
    monkeypatch.setattr(cache, "SHIPPED", path)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))

    def profiled(*_, **__):
        raise AssertionError("profiled a cost the file holds")

    monkeypatch.setattr("advisor.cost.profile_batch_scaled", profiled)
    return [config for _, config in wanted], [key for key, _ in wanted]


def _costs(configs: list[Config]) -> None:
    cache.costs("mobilenet_v3_small", configs, 32, 64, 5)


def test_used_costs_records_only_what_is_read_while_open(two_costs, tmp_path):
    (full, head), (full_key, _) = two_costs
    _costs([head])  # before: not recorded
    with cache.UsedCosts() as outer:
        with cache.UsedCosts() as inner:
            _costs([full])
        _costs([full])
    _costs([head])  # after: not recorded
    assert inner.keys == outer.keys == {full_key}

    outer.export({"mobilenet_v3_small"}, to=tmp_path / "exported.json")
    exported = json.loads((tmp_path / "exported.json").read_text())
    assert set(exported) == {full_key, *cache.TABLES}
    assert exported["parameters"] == {"resnet18": {"5": 1}}  # every model's count is kept


def test_remembered_computes_only_what_is_not_kept(two_costs):
    asked = []

    def compute(key: str) -> int:
        asked.append(key)
        return len(key)

    assert cache.remembered("parameters", "resnet18", ["5", "10"], compute) == {"5": 1,
                                                                                "10": 2}
    assert cache.remembered("parameters", "resnet18", ["10"], compute) == {"10": 2}
    assert asked == ["10"]
