import json
import subprocess
import sys

import pytest

from advisor.cli.main import main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_devices_json_is_one_document(capsys):
    code, out, _ = _run(capsys, "devices", "--json")
    assert code == 0
    ids = {d["id"] for d in json.loads(out)}
    assert {"jetson-nano", "stm32f746", "esp32-s3"} <= ids


def test_models_json_lists_aliases(capsys):
    _code, out, _ = _run(capsys, "models", "--json")
    models = {m["name"]: m for m in json.loads(out)}
    assert "mobilenetv3" in models["mobilenet_v3_small"]["aliases"]


@pytest.mark.slow
def test_trial_json_reports_before_and_after(capsys):
    code, out, _ = _run(capsys, "trial", "--model", "mobilenetv3", "--task", "unseen",
                        "--method", "head", "--epochs", "1", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("accuracy_before", "accuracy_after", "wall_seconds", "params_trainable",
                "params_total"):
        assert key in doc
    assert 0 <= doc["accuracy_after"] <= 1


@pytest.mark.parametrize("argv", [
    ["trial", "--model", "vgg"],
    ["trial", "--method", "lora", "--rank", "8", "--targets", "all"],
    ["trial", "--rank", "0"],
    ["trial", "--task", "rotate"],
    ["trial", "--epochs", "many"],
    ["nonsense"],
    ["tui", "--device", "toaster"],
    ["tui", "--model", "vgg"],
    ["recommend", "--device", "toaster", "--export", "x.json"],
])
def test_user_errors_are_one_line_and_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(argv))
    _, err = capsys.readouterr()
    assert info.value.code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_module_entry_point_runs_in_a_fresh_process():
    """The installed entry point, end to end, in a fresh process."""
    result = subprocess.run([sys.executable, "-m", "advisor", "devices", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and json.loads(result.stdout)


def test_public_api_is_importable_and_lazy():
    code = ("import sys, advisor; assert 'torch' not in sys.modules; "
            "from advisor import run_trial, TrialConfig, DeviceProfile, Constraints, load_device; "
            "print(load_device('jetson-nano').id)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "jetson-nano"


def test_profile_json_has_the_contract_keys(capsys):
    code, out, _ = _run(capsys, "profile", "--model", "mobilenetv3", "--method", "lora",
                        "--rank", "4", "--targets", "pointwise", "--batch-size", "2",
                        "--resolution", "32", "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc["flops"]) >= {"forward", "backward", "optimizer", "total"}
    assert set(doc["memory"]) >= {"peak_bytes", "params", "buffers", "grads", "optimizer",
                                  "activations", "temp"}
    assert set(doc["params"]) == {"total", "trainable"} and doc["storage_bytes"] > 0
    assert doc["flops"]["total"] == sum(doc["flops"][k] for k in ("forward", "backward",
                                                                  "optimizer"))


def test_profile_refuses_impossible_combination(capsys):
    code, _, err = _run(capsys, "profile", "--method", "lora", "--rank", "8", "--targets", "all")
    assert code == 2 and "no-depthwise" in err


def test_tui_command_opens_the_app_with_the_given_question(monkeypatch):
    import advisor.tui as tui

    opened = {}
    monkeypatch.setattr(tui, "run_tui", lambda **kw: opened.update(kw))
    monkeypatch.setattr("advisor.cli.commands._has_terminal", lambda: True)
    assert main(["tui", "--device", "raspberry-pi-5", "--model", "r18", "--task", "shift"]) == 0
    assert opened["device"].id == "raspberry-pi-5" and opened["model"] == "r18"
    assert opened["task"] == "shift"


def test_library_modules_leave_logging_and_warnings_alone():
    """Only the entry points silence third-party noise (advisor/quiet.py): importing and using
    advisor as a library adds none of those warning filters and changes no logging level."""
    code = ("import logging, warnings; "
            "import advisor.methods.galore_conv, advisor.study.search, advisor.decision.recommend; "
            "import advisor.tui.app, optuna; "
            "text = lambda r: getattr(r, 'pattern', r or ''); "
            "ours = [f for f in warnings.filters if 'Merging' in text(f[1]) "
            "or f[2] is optuna.exceptions.ExperimentalWarning or 'galore' in text(f[3])]; "
            "print(len(ours), logging.getLogger('bitsandbytes').level, "
            "optuna.logging.get_verbosity() == optuna.logging.INFO); "
            "from advisor.quiet import quiet_third_party; quiet_third_party(); "
            "print(len(warnings.filters) > 0, logging.getLogger('bitsandbytes').level)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    library, entry = result.stdout.splitlines()
    assert library.split() == ["0", "0", "True"]
    assert entry.split() == ["True", "40"]  # the entry point's quieting is what changes them


def test_ctrl_c_during_a_search_is_one_line_that_says_how_to_resume(capsys, tmp_path,
                                                                    monkeypatch):
    def interrupted(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr("advisor.training.trial.run_trial", interrupted)
    code = main(["search", "--trials", "2", "--storage", f"sqlite:///{tmp_path / 's.db'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 130 and len(err) == 1 and "run the same command to go on" in err[0], err


def test_the_entry_points_quiet_optunas_experimental_warnings_without_importing_it():
    """quiet.py matches optuna's ExperimentalWarning by its texts, so the warm recommend need
    not import optuna; both of optuna's texts must stay matched."""
    code = ("import sys, warnings; from advisor.quiet import quiet_third_party; "
            "quiet_third_party(); print('optuna' in sys.modules); "
            "warnings.simplefilter('error', UserWarning); import optuna; "
            "from optuna._experimental import experimental_func; "
            "optuna.samplers.TPESampler(group=True, multivariate=True); "
            "experimental_func('3.0.0')(lambda: None)(); print('quiet')")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.split() == ["False", "quiet"], result.stderr


def test_what_a_library_prints_while_advisor_works_goes_to_stderr(capfd, monkeypatch):
    """stdout is the JSON document alone: a print (torch's "Downloading ...") or a write to
    the file descriptor (C code, a worker process) during the work lands on stderr."""
    import os

    import advisor.cost

    def noisy(*_, **__):
        print("Downloading: https://example.org/weights.pth")
        os.write(1, b"from C code\n")
        return {"flops": 1}

    monkeypatch.setattr(advisor.cost, "profile_config", noisy)
    assert main(["profile", "--json"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out) == {"flops": 1}
    assert "Downloading" in err and "from C code" in err
