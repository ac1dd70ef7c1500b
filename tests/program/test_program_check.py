"""advisor program + --check on a small model at 32 px: the program's losses and first
gradients match eager PyTorch's and its loss falls at the default learning rate, for every
method ExecuTorch can run (micro-batched LoRA at depth among them)."""

import contextlib
import io
import json

import pytest

from advisor.cli.main import main
from advisor.program.check import GRADIENT_TOLERANCE, LEARNS, LOSS_TOLERANCE

pytestmark = pytest.mark.slow

MODEL = "mobilenet_v3_small_050"
CONFIGS = {
    "head": ["--method", "head"],
    "bias": ["--method", "bias"],
    "lora-depth": ["--method", "lora", "--rank", "4", "--depth", "4", "--targets",
                   "no-depthwise", "--micro-batch", "4"],
    "dora": ["--method", "dora", "--rank", "4", "--depth", "4"],
    "full": ["--method", "full"],
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``exported(name)``: (folder, the manifest ``advisor program --json`` printed) of
    CONFIGS[name], exported once for this module (an export takes 20-30 s on 2 cores)."""
    done: dict[str, tuple] = {}

    def export(name: str):
        if name not in done:
            out = tmp_path_factory.mktemp("programs") / name
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                code = main(["program", "--json", "--model", MODEL, "--batch-size", "8",
                             "--resolution", "32", "--classes", "3", *CONFIGS[name],
                             "--out", str(out)])
            assert code == 0
            done[name] = out, json.loads(printed.getvalue())
        return done[name]

    return export


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_program_trains_as_pytorch_does_and_learns(name, exported, capsys):
    out, manifest = exported(name)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "program.ptd",
                                                     "program.pte", "run.json"]
    assert manifest["memory"]["program_bytes"] == (out / "program.pte").stat().st_size
    assert manifest["memory"]["arena_bytes"] > 0
    micro = "--micro-batch" in CONFIGS[name]
    assert manifest["input_shape"] == [4 if micro else 8, 3, 32, 32]
    assert manifest["passes_per_step"] == (2 if micro else 1)
    assert ("BatchNorm statistics stay" in " ".join(manifest["differences"])) == (name == "full")

    code = main(["program", "--json", "--check", str(out)])
    report = json.loads(capsys.readouterr().out)
    assert report["max_loss_difference"] < LOSS_TOLERANCE
    assert report["max_first_gradient_difference"] < GRADIENT_TOLERANCE
    assert report["loss_drop"] >= LEARNS
    assert code == 0


def test_the_memory_a_recommendation_reads_is_the_written_programs(exported):
    """program/cost.py exports with random weights what advisor program exports with real
    ones: the same plan and trainable tensors; program.pte's size depends a little on the
    weights' values."""
    from advisor.config import Config
    from advisor.program.cost import program_memory

    _, manifest = exported("lora-depth")
    written = manifest["memory"]
    config = Config(method="lora", rank=4, depth=4, targets="no-depthwise", micro_batch=4)
    read = program_memory(MODEL, config, 8, 32, 3)
    assert read.arena_bytes == written["arena_bytes"]
    assert read.trainable_bytes == written["trainable_bytes"]
    assert read.optimizer_state_bytes == written["optimizer_state_bytes"]
    assert abs(read.program_bytes / written["program_bytes"] - 1) < 0.05
    assert abs(read.ram_needed_bytes / written["ram_needed_bytes"] - 1) < 0.05
