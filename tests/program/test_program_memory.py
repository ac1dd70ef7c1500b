"""The RAM a program needs: its rule, and a kept export judged by today's rule."""

import json

from advisor.config import Config
from advisor.program import cost
from advisor.program.memory import RUNTIME_FIXED, predict


def test_the_loaded_weights_are_the_larger_of_file_and_tensors_and_passes_add_a_copy():
    # the .ptd stores equal tensors once: loaded, each has its own memory
    assert predict(1000, 10, 5, 20, 1).ram_needed_bytes == 1000 + 10 + 20 + 2 * 20 + RUNTIME_FIXED
    assert predict(1000, 10, 30, 20, 2).ram_needed_bytes == 1000 + 10 + 30 + 3 * 20 \
        + RUNTIME_FIXED


def test_a_kept_program_is_judged_by_todays_rule_and_not_exported_again(tmp_path, monkeypatch):
    path = tmp_path / "program-memory.json"
    monkeypatch.setattr(cost, "_path", lambda: path)

    def exported(*_):
        raise AssertionError("a kept program was exported again")

    monkeypatch.setattr(cost, "_export", exported)
    config = Config(method="lora", rank=4, micro_batch=4)
    stale = predict(1000, 10, 5, 20, 1).model_dump() | {"ram_needed_bytes": 1}
    key = cost._key("mobilenet_v3_small", config, 8, 32, 3)
    path.write_text(json.dumps({key: stale}))
    read = cost.program_memory("mobilenetv3", config, 8, 32, 3)
    assert read == predict(1000, 10, 5, 20, 2)
