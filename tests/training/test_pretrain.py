"""Pretraining: processes asking for the same checkpoint at once on a cold cache pretrain it
once (the others wait and load it), as worker processes of one search do."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

# One process: once all are ready, pretrain (one epoch: the lock, not the recipe, is under
# test) through the real source_model, noting each real pretraining in a log; print what it got.
CHILD = textwrap.dedent("""
    import json, os, sys, time
    import advisor.training.pretrain as pretrain
    from advisor.training.tasks import load_task
    from advisor.zoo import resolve_model

    pretrain.RECIPE["epochs"] = 1
    real = pretrain._pretrain

    def counted(*args):
        with open(sys.argv[1], "a") as log:
            log.write(f"{os.getpid()}\\n")
        return real(*args)

    pretrain._pretrain = counted
    ready = os.path.join(os.path.dirname(sys.argv[1]), "ready")
    os.makedirs(ready, exist_ok=True)
    open(os.path.join(ready, str(os.getpid())), "w").close()
    while len(os.listdir(ready)) < int(sys.argv[2]):  # all ask at the same moment
        time.sleep(0.05)
    source = pretrain.source_model(resolve_model("mobilenet_v3_small_050"), load_task("unseen"))
    print(json.dumps({"accuracy": source.source_accuracy}))
""")


@pytest.mark.slow
def test_processes_pretraining_at_once_share_one_pretraining(tmp_path):
    log = tmp_path / "pretrained.log"
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(log), "3"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    outputs = [child.communicate(timeout=600) for child in children]
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    assert len(log.read_text().splitlines()) == 1  # one pretrained, two waited and loaded
    accuracies = {json.loads(out)["accuracy"] for out, _ in outputs}
    assert len(accuracies) == 1  # all three got the one checkpoint
    assert sum("waiting for another process" in err for _, err in outputs) == 2


@pytest.mark.slow
def test_a_cached_checkpoint_loads_while_another_process_holds_the_lock(unseen_task, capfd):
    """Workers of one search load the cached model at once; none waits for the others' loads,
    nor says it waits for a pretraining that is not happening."""
    import threading

    from filelock import FileLock

    from advisor.training import pretrain
    from advisor.zoo import resolve_model

    spec = resolve_model("mobilenet_v3_small")
    expected = pretrain.source_model(spec, unseen_task).source_accuracy  # cached from here on
    capfd.readouterr()
    got = []
    path = pretrain.cache_path(spec, unseen_task, "builtin")
    with FileLock(str(path) + ".lock"):  # as a worker pretraining or loading right now
        loader = threading.Thread(
            target=lambda: got.append(pretrain.source_model(spec, unseen_task)))
        loader.start()
        loader.join(timeout=120)
        assert not loader.is_alive(), "the load waited for the lock"
    assert got[0].source_accuracy == expected
    assert "waiting" not in capfd.readouterr().err
