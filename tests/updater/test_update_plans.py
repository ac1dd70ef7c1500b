"""Where an update's configuration comes from: a recipe file (what recommend --export and the
TUI write), flags, or a recommendation made for a device first."""

import json

import pytest
from conftest import MODEL

from advisor.cli.main import main

RECIPE = {"written_by": "written by advisor (recommend --export)", "model": MODEL,
          "task": "shift", "device": "raspberry-pi-4-4gb",
          "configuration": {"method": "lora", "rank": 4, "targets": "no-depthwise", "lr": 0.005,
                            "depth": 4, "micro_batch": None, "checkpointing": False,
                            "epochs": 1, "batch_size": 6, "resolution": 32}}


def test_a_recipe_runs_as_written_and_force_writes_beside_a_users_file(images, weights,
                                                                      tmp_path, capsys):
    recipe = tmp_path / "choice.json"
    recipe.write_text(json.dumps(RECIPE))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    argv = ["update", "--weights", str(weights), "--images", str(images), "--out", str(out),
            "--recipe", str(recipe), "--json"]
    assert main(argv) == 2  # OUT/ holds a file advisor did not write
    capsys.readouterr()
    assert main([*argv, "--force"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["chosen_by"] == f"recipe {recipe}"
    assert manifest["configuration"] == {**RECIPE["configuration"], "seed": 0}
    assert manifest["memory"]["device"] == "raspberry-pi-4-4gb"
    assert (out / "notes.txt").read_text() == "mine\n"
    assert main([*argv[:-1], "--json"]) == 2  # still the user's file there: refused again
    capsys.readouterr()


@pytest.mark.slow
def test_a_device_gets_the_recommendation_first_and_its_export_runs_the_same(images, weights,
                                                                            tmp_path, capsys):
    device = ["--device", "raspberry-pi-4-4gb"]
    argv = ["update", "--model", MODEL, "--weights", str(weights), "--images", str(images),
            *device, "--json"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["chosen_by"] == "recommended for raspberry-pi-4-4gb"
    chosen = first["recommendation"]
    assert all(chosen[k] == first["configuration"][k] for k in ("method", "rank", "depth"))
    assert first["memory"]["within_prediction"] is True
    recipe = tmp_path / "choice.json"
    assert main(["recommend", *device, "--model", MODEL, "--task", "shift",
                 "--export", str(recipe)]) == 0
    capsys.readouterr()
    assert main(["update", "--weights", str(weights), "--images", str(images), "--recipe",
                 str(recipe), "--out", str(tmp_path / "b"), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["configuration"] == first["configuration"]
