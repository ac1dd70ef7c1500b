"""Bad input to advisor program: one line, exit 2, nothing exported and nothing written; what
the runtime cannot run is refused with its reason."""

import pytest
import torch

from advisor.cli.main import main

MODEL = "mobilenet_v3_small_050"
P = ["program", "--model", MODEL, "--batch-size", "8", "--resolution", "32", "--out", "{w}/p"]

CASES = [
    ([*P, "--method", "galore"], "GaLore projects gradients inside its optimizer"),
    ([*P, "--method", "norm_head"], "re-estimates the BatchNorm statistics"),
    ([*P, "--method", "lora", "--checkpointing"], "torch.export drops torch.utils.checkpoint"),
    ([*P, "--micro-batch", "3"], "--micro-batch 3 does not divide --batch-size 8"),
    ([*P, "--classes", "1"], "at least 2 classes"),
    ([*P, "--lr", "0"], "above 0 and below 1"),
    ([*P, "--weights", "{w}/missing.pt"], "not found"),
    ([*P, "--recipe", "{w}/missing.json", "--method", "head"], "drop --batch-size"),
    (["program", "--recipe", "{w}/missing.json", "--out", "{w}/p"], "missing.json"),
    (["program", "--model", MODEL], "--out: which folder"),
    (["program", "--out", "{w}/p"], "--model: which model"),
    (["program", "--check", "{w}/nothing"], "not a folder advisor program wrote"),
    (["program", "--check", "{w}/p", "--out", "{w}/q"], "drop --out"),
    (["program", "--check", "{w}/p", "--steps", "0"], "at least one step"),
    (["program", "--check", "{w}/p", "--lr", "2"], "above 0 and below 1"),
    (["program", "--runtime", "onnx", "--model", MODEL, "--out", "{w}/p"], "invalid choice"),
]


@pytest.fixture
def no_export(monkeypatch):
    import advisor.program.export

    def exported(*_, **__):
        raise AssertionError("bad input reached the export")

    monkeypatch.setattr(advisor.program.export, "training_program", exported)


@pytest.mark.parametrize("argv,fragment", CASES, ids=[" ".join(a[-4:]) for a, _ in CASES])
def test_bad_program_input_gets_one_line_exit_2_and_writes_nothing(argv, fragment, tmp_path,
                                                                   no_export, user_error):
    line = user_error([a.replace("{w}", str(tmp_path)) for a in argv])
    assert fragment in line, line
    assert list(tmp_path.iterdir()) == []


def test_an_out_folder_with_a_users_file_is_refused(tmp_path, no_export, capsys):
    out = tmp_path / "p"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code = main([a.replace("{w}", str(tmp_path)) for a in [*P, "--method", "head"]])
    assert code == 2
    assert "notes.txt is not a file advisor wrote" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_index_dtypes_the_runtime_lacks_are_widened_and_still_give_the_identity():
    """The shape of torch's eye decomposition (uint16 indices compared); torch.eye is the
    reference."""
    from advisor.program.export import _widen_index_dtypes

    graph = torch.fx.Graph()
    aten = torch.ops.aten
    rows = graph.call_function(aten.arange.start_step, (0, 5), {"dtype": torch.uint16})
    cols = graph.call_function(aten.arange.start_step, (0, 5), {"dtype": torch.uint16})
    equal = graph.call_function(aten.eq.Tensor, (graph.call_function(
        aten.unsqueeze.default, (rows, -1)), cols))
    graph.output(graph.call_function(aten._to_copy.default, (equal,), {"dtype": torch.float32}))
    _widen_index_dtypes(graph)
    dtypes = [n.kwargs["dtype"] for n in graph.nodes if n.target == aten.arange.start_step]
    assert dtypes == [torch.int64, torch.int64]
    assert torch.equal(torch.fx.GraphModule(torch.nn.Module(), graph)(), torch.eye(5))


def test_an_export_the_runtime_cannot_take_is_one_line_and_writes_nothing(tmp_path, monkeypatch,
                                                                          user_error):
    import advisor.program.export

    def unsupported(*_, **__):
        raise RuntimeError("Operator aten.empty_permuted.default is not in Core ATen opset\n...")

    from advisor.zoo import build_model, resolve_model

    monkeypatch.setattr(advisor.program.export, "training_program", unsupported)
    torch.save(build_model(resolve_model(MODEL), 3).state_dict(), tmp_path / "start.pt")
    line = user_error([a.replace("{w}", str(tmp_path))
                       for a in [*P, "--method", "head", "--weights", "{w}/start.pt"]])
    assert "could not export head of mobilenet_v3_small_050" in line
    assert "empty_permuted" in line
    assert [p.name for p in tmp_path.iterdir()] == ["start.pt"]


def test_without_executorch_the_program_command_says_how_to_install_it(tmp_path, monkeypatch,
                                                                      user_error):
    import builtins

    real_import = builtins.__import__

    def no_executorch(name, *args, **kwargs):
        if name.startswith("executorch"):
            raise ImportError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_executorch)
    line = user_error([a.replace("{w}", str(tmp_path)) for a in [*P, "--method", "head"]])
    assert "pip install 'advisor[executorch]'" in line
    assert list(tmp_path.iterdir()) == []
