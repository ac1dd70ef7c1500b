"""The pieces of advisor update on their own: the public names, prepare's step, the allocator
and the peak RSS, the images' split and fingerprint, the interval, OUT/'s ownership."""

import os

import pytest
import torch
from conftest import MODEL, write_images

from advisor.errors import AdvisorError


def test_the_public_names_are_the_functions_even_after_the_subpackage_is_imported():
    import advisor
    import advisor.updater.evaluation
    import advisor.updater.job
    import advisor.updater.prepared

    assert callable(advisor.update) and advisor.update.__module__ == "advisor.updater.job"
    assert callable(advisor.prepare) and callable(advisor.evaluate)
    from advisor import evaluate, prepare, update

    assert (update, prepare, evaluate) == (advisor.update, advisor.prepare, advisor.evaluate)


def _model():
    from advisor.zoo import build_model, resolve_model

    torch.manual_seed(0)
    return build_model(resolve_model(MODEL), 3)


def test_prepare_gives_a_step_whose_micro_batches_add_up_to_the_whole_batch():
    from advisor.updater.prepared import prepare

    x, y = torch.randn(6, 3, 32, 32), torch.tensor([0, 1, 2, 0, 1, 2])
    results = []
    for micro_batch in (None, 2):
        torch.manual_seed(0)
        update = prepare(_model(), {"method": "lora", "rank": 4, "depth": 2,
                                    "micro_batch": micro_batch}, seed=0)
        assert update.spec.name == MODEL  # recognised from its parameters
        update.module.eval()  # step() puts it back in the method's training mode
        loss = update.step(x, y)
        results.append((loss, {k: v.detach().clone() for k, v in update.update_state().items()}))
    (whole, a), (micro, b) = results
    assert whole == pytest.approx(micro, rel=1e-5) and 0.5 < whole < 3
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_prepare_refuses_a_model_it_does_not_know():
    from advisor.updater.prepared import prepare

    with pytest.raises(AdvisorError, match="not a model of advisor's zoo"):
        prepare(torch.nn.Sequential(torch.nn.Linear(3, 2)), {"method": "full"})


def test_the_allocator_is_set_and_the_peak_rss_sees_an_allocation(monkeypatch):
    from advisor.allocator import HOST_RUNTIME, use_fitted
    from advisor.devices.runtime import RUNTIMES
    from advisor.updater.memory import PeakRss

    environment = RUNTIMES[HOST_RUNTIME].environment
    for key in environment:  # restored after the test
        monkeypatch.setenv(key, "unset")
    assert use_fitted()
    assert all(os.environ[key] == value for key, value in environment.items())  # for workers
    rss = PeakRss()
    rss.start()
    block = torch.ones(16 * 2**20)  # 64 MiB, touched
    assert rss.above_baseline() >= 60 * 2**20
    del block


def test_a_flat_folder_is_split_per_class_and_the_fingerprint_follows_the_content(tmp_path):
    from advisor.updater.images import find_images

    root = write_images(tmp_path / "flat", train=8, val=2, split=False)
    first = find_images(root, val_fraction=0.2)
    assert first.counts() == {"train": {c: 8 for c in ("cat", "dog", "owl")},
                              "val": {c: 2 for c in ("cat", "dog", "owl")}}
    assert find_images(root, val_fraction=0.2).val_samples == first.val_samples
    changed = root / "owl" / "0.png"
    changed.write_bytes((root / "cat" / "0.png").read_bytes())
    assert find_images(root, val_fraction=0.2).fingerprint != first.fingerprint


def test_the_binomial_interval_is_scipys_wilson_interval():
    from scipy.stats import binomtest

    from advisor.updater.evaluation import binomial_interval

    for correct, total in [(5, 10), (0, 7), (7, 7), (93, 100), (1, 1000), (412, 500)]:
        for confidence in (0.9, 0.95):
            ci = binomtest(correct, total).proportion_ci(confidence_level=confidence,
                                                         method="wilson")
            low, high = binomial_interval(correct, total, confidence)
            assert abs(low - ci.low) < 1e-12 and abs(high - ci.high) < 1e-12
    assert binomial_interval(0, 0) == (0.0, 1.0)


def test_out_holds_only_what_advisor_wrote(tmp_path):
    from advisor.updater.outdir import OutDir

    out = OutDir(tmp_path / "out")
    assert out.check(force=False) is None
    out.start({"run": 1}, None, resume=False)
    out.write("model.safetensors", lambda tmp: tmp.write_bytes(b"weights"))
    (tmp_path / "out" / ".update.safetensors.tmp123").write_bytes(b"a killed write")
    assert out.check(force=False)["identity"] == {"run": 1}
    (tmp_path / "out" / "model.safetensors").write_bytes(b"changed by the user")
    with pytest.raises(AdvisorError, match="model.safetensors is not a file advisor wrote"):
        out.check(force=False)
    assert out.check(force=True) is not None
    OutDir(tmp_path / "out").start({"run": 2}, out.check(force=True), resume=False)
    assert (tmp_path / "out" / "model.safetensors").read_bytes() == b"changed by the user"


def test_a_lone_last_sample_is_left_out_only_where_norms_train():
    from advisor.updater.stream import batches

    data = list(range(13))
    sizes = [b.samples for b in batches(data, 6, None)]
    assert sizes == [6, 6, 1]
    assert [b.samples for b in batches(data, 6, None, single=False)] == [6, 6]
    assert [b.samples for b in batches(list(range(15)), 6, 2, single=False)] == [6, 6, 2]
    assert [b.samples for b in batches(list(range(14)), 6, 3, single=False)] == [6, 6, 2]


def test_an_update_imports_only_what_its_method_needs():
    """Library code is resident memory the device pays for (benchmarks/process_baseline.py):
    a full fine-tune's process holds no peft, GaLore, scipy, scikit-learn, Optuna or Textual;
    a LoRA update's holds peft (and what peft imports: scipy among it), none of the rest."""
    import subprocess
    import sys

    probe = ("import sys; import advisor.cli.main, advisor.cli.update_command, "
             "advisor.updater.job; from advisor.updater.carry_out import _import_libraries; "
             "_import_libraries(sys.argv[1]); print(' '.join(m for m in ('peft', "
             "'galore_torch', 'scipy', 'sklearn', 'optuna', 'textual') if m in sys.modules))")
    loaded = {method: subprocess.run([sys.executable, "-c", probe, method], check=True,
                                     capture_output=True, text=True).stdout.split()
              for method in ("full", "lora")}
    assert loaded["full"] == [] and "peft" in loaded["lora"]
    assert not {"galore_torch", "sklearn", "optuna", "textual"} & set(loaded["lora"])
