"""Does `advisor update` do what a plain loop does, within what it promised?

    python benchmarks/update_check.py [--models mobilenet_v3_small,resnet18]
        [--configs full,bias,lora,dora,galore,head] [--seeds 3] [--epochs 2]
        [--resolution 64] [--work DIR] [--report FILE] [--same-allocator] [--fast-allocator]
        [--quick]

On an ImageFolder of Fashion-MNIST (Debian's dataset-fashion-mnist; 5 classes x 300 training
+ 100 validation 28 px grey PNGs), each configuration of update_check_hand.CONFIGS runs as
`advisor update` and as update_check_hand.py's plain loop (torch, peft, galore-torch), seed
by seed, interleaved, each in a fresh process, from one state dict: advisor's built-in
pretraining at this resolution (what --weights builtin gives), saved with torch.save. Checked:
- validation accuracy, mean ± sd over seeds: within noise if |difference of means| <= 2 x
  its standard error (pooled sd x sqrt(2/n));
- update.safetensors == the predicted storage, to the byte, every run;
- "RAM needed" never under the manifest's peak RSS, at most 25% over it for all but one
  configuration per model; also against the plain loop's peak, measured as the runtime
  model was fitted (memory_vs_reality.py: no forward pass before the baseline);
- seconds per step (manifest: train time / steps; the plain loop: the same span, BatchNorm
  re-estimation included), medians: advisor at most 5% slower (--same-allocator: the plain
  loop under advisor's glibc setting, to tell the allocator's share apart);
- logits of model.safetensors vs update.safetensors on the starting model within 1e-4, and
  of the peft folder (PeftModel.from_pretrained) equal to the latter (<= 1e-6).
Finished runs are lines of WORK/results.jsonl, never run again (a killed check resumes); a
line per run on stderr, the table on stdout (--report FILE: markdown). On a shared machine
set OMP_NUM_THREADS=1: OpenMP threads competing with other processes slow steps many-fold.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from update_check_hand import BATCH_SIZE, CONFIGS, HEADS

HAND = str(Path(__file__).with_name("update_check_hand.py"))
CLASSES = 5
FULL_IMAGES, QUICK_IMAGES = (300, 100), (32, 8)  # per class: training, validation
THREADS = os.environ.get("OMP_NUM_THREADS", "default")  # the children inherit it


def write_images(work: Path, train: int, val: int) -> Path:
    """WORK/fashion-mnist-TRAINxVAL/{train,val}/<class>/<n>.png, written once (atomically)."""
    from PIL import Image

    from advisor.training.fashion_mnist import load

    root = work / f"fashion-mnist-{train}x{val}"
    if root.is_dir():
        return root
    images, labels, names = load(None)
    tmp = work / f"{root.name}.tmp{os.getpid()}"
    for c, name in enumerate(names[:CLASSES]):
        for split, (start, stop), count in (("train", (0, 60000), train),
                                            ("val", (60000, 70000), val)):
            folder = tmp / split / name.replace("/", "-")
            folder.mkdir(parents=True)
            found = (labels[start:stop] == c).nonzero().flatten()[:count] + start
            for i in found.tolist():
                Image.fromarray(images[i].numpy(), mode="L").save(folder / f"{i}.png")
    os.replace(tmp, root)
    return root


def starting_weights(work: Path, model: str, resolution: int) -> Path:
    """What `advisor update --weights builtin` starts from at this resolution, as a file."""
    import torch

    from advisor.updater import weights
    from advisor.zoo import resolve_model

    path = work / "weights" / f"{model}-builtin-r{resolution}.pt"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        state = weights.starting_weights(resolve_model(model), "builtin").state_dict(resolution)
        torch.save(state, path.with_suffix(".tmp"))
        os.replace(path.with_suffix(".tmp"), path)
    return path


def _child(argv: list[str], log: Path, env: dict[str, str] | None = None) -> dict:
    """Run ``argv``, its stderr appended to ``log``; its stdout's JSON document."""
    with log.open("a") as err:
        err.write(f"$ {' '.join(argv)}\n")
        err.flush()
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, text=True,
                              env={**os.environ, "ADVISOR_NO_PROGRESS": "1", **(env or {})})
    if done.returncode != 0:
        last = (log.read_text().strip().splitlines() or [""])[-1]
        raise subprocess.SubprocessError(f"exit {done.returncode}: {last} (log: {log})")
    return json.loads(done.stdout[done.stdout.index("{"):])


def run_advisor(a: argparse.Namespace, model: str, name: str, seed: int, log: Path) -> dict:
    out = a.work / "runs" / f"{model}-{name}-s{seed}"
    shutil.rmtree(out, ignore_errors=True)  # an unfinished run starts over
    common = ["--model", model, "--weights", str(a.weights[model]), "--images", str(a.images),
              "--seed", str(seed), "--resolution", str(a.resolution)]
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in CONFIGS[name].items()]
    m = _child([sys.executable, "-m", "advisor", "update", "--json", *common, "--out", str(out),
                "--task", "unseen", "--epochs", str(a.epochs), "--batch-size", str(BATCH_SIZE),
                *flags, *(["--fast-allocator"] if a.fast_allocator else [])], log)
    checked = _child([sys.executable, HAND, "outputs", *common, "--config", name,
                      "--out", str(out)], log)
    return {"label": m["label"], "accuracy": m["accuracy_after"]["accuracy"], "steps": m["steps"],
            "seconds_per_step": m["train_seconds"] / m["steps"],
            "peak_rss_bytes": m["memory"]["measured_peak_rss_bytes"],
            "ram_needed_bytes": m["memory"]["ram_needed_bytes"],
            "storage_bytes": (out / "update.safetensors").stat().st_size,
            "predicted_storage_bytes": m["storage"]["predicted_bytes"], **checked}


def run_hand(a: argparse.Namespace, model: str, name: str, seed: int, log: Path) -> dict:
    return _child([sys.executable, HAND, "train", "--model", model, "--weights",
                   str(a.weights[model]), "--images", str(a.images), "--config", name, "--seed",
                   str(seed), "--epochs", str(a.epochs), "--resolution", str(a.resolution)],
                  log, a.allocator)


def run_all(a: argparse.Namespace) -> tuple[dict[str, dict], list[str]]:
    """Every run not in WORK/results.jsonl, advisor and the plain loop alternating first."""
    path = a.work / "results.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    done = {r["key"]: r for r in (json.loads(line) for line in lines if line.strip())}
    plan = [(m, c, s, kind) for m in a.models for c in a.configs for s in range(a.seeds)
            for kind in (("advisor", "hand") if s % 2 == 0 else ("hand", "advisor"))]
    failures, current = [], {}  # this plan's results
    for i, (model, name, seed, kind) in enumerate(plan, 1):
        key = "|".join(map(str, (model, name, json.dumps(CONFIGS[name], sort_keys=True), seed,
                                 kind, a.epochs, a.resolution, a.images.name, THREADS,
                                 json.dumps(a.allocator) if kind == "hand" else
                                 "fast" if a.fast_allocator else "")))
        head, started = f"[{i}/{len(plan)}] {model} {name} seed {seed} {kind}", time.perf_counter()
        if key in done:
            current[key] = done[key]
            print(f"{head}: cached", file=sys.stderr, flush=True)
            continue
        log = a.work / "logs" / f"{model}-{name}-s{seed}-{kind}.log"
        try:
            result = (run_advisor if kind == "advisor" else run_hand)(a, model, name, seed, log)
        except subprocess.SubprocessError as exc:
            failures.append(f"{model} {name} seed {seed} {kind}: {exc}")
            print(f"{head}: FAILED {exc}", file=sys.stderr, flush=True)
            continue
        current[key] = {"key": key, "model": model, "config": name, "seed": seed,
                        "kind": kind, **result}
        with path.open("a") as f:
            f.write(json.dumps(current[key]) + "\n")
        print(f"{head}: accuracy {result['accuracy']:.1%}, "
              f"{result['seconds_per_step']:.3f} s/step ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr, flush=True)
    return current, failures


def noise(x: list[float], y: list[float]) -> tuple[float, float | None]:
    """(difference of means, its standard error from the pooled sd; None under 2 each)."""
    diff = statistics.fmean(x) - statistics.fmean(y)
    if len(x) < 2 or len(y) < 2:
        return diff, None
    pooled = ((len(x) - 1) * statistics.variance(x) + (len(y) - 1) * statistics.variance(y)) \
        / (len(x) + len(y) - 2)
    return diff, math.sqrt(pooled * (1 / len(x) + 1 / len(y)))


def summarise(records: list[dict], models: list[str], configs: list[str]) -> list[dict]:
    """Per model and configuration with runs of both kinds: what the checks compare."""
    found = []
    for model, name in ((m, c) for m in models for c in configs):
        mine = [r for r in records if r["model"] == model and r["config"] == name]
        adv = sorted((r for r in mine if r["kind"] == "advisor"), key=lambda r: r["seed"])
        hand = [r for r in mine if r["kind"] == "hand"]
        if not adv or not hand:
            continue
        accuracy = [r["accuracy"] for r in adv], [r["accuracy"] for r in hand]
        diff, se = noise(*accuracy)
        found.append({
            "model": model, "label": adv[0]["label"], "accuracy": accuracy, "diff": diff,
            "se": se, "within": None if se is None else abs(diff) <= 2 * se,
            "storage": (adv[0]["storage_bytes"], adv[0]["predicted_storage_bytes"]),
            "storage_ok": all(r["storage_bytes"] == r["predicted_storage_bytes"] for r in adv),
            "peak": max(r["peak_rss_bytes"] for r in adv), "needed": adv[0]["ram_needed_bytes"],
            "plain_peak": max(r["peak_rss_bytes"] for r in hand),
            "step": [statistics.median(r["seconds_per_step"] for r in runs)
                     for runs in (adv, hand)],
            "merged": max(r["merged_vs_unmerged"] for r in adv),
            "peft": [r["peft_vs_unmerged"] for r in adv if r["peft_vs_unmerged"] is not None]})
    return found


HEADER = ["model", "configuration", "accuracy advisor", "accuracy plain loop",
          "difference (2 SE)", "within noise", "update.safetensors / predicted bytes",
          "peak RSS MiB (plain loop)", "RAM needed MiB", "needed / peak (plain)",
          "s/step advisor / plain", "ratio", "merged vs unmerged", "peft vs unmerged"]


def row(f: dict) -> list[str]:
    def spread(x: list[float]) -> str:
        return f"{statistics.fmean(x):.1%}" + (f" ± {statistics.stdev(x):.1%}" if x[1:] else "")

    mib, (a, h) = 2**20, f["step"]
    return [f["model"], f["label"], spread(f["accuracy"][0]), spread(f["accuracy"][1]),
            f"{f['diff']:+.1%}" + ("" if f["se"] is None else f" ({2 * f['se']:.1%})"),
            {None: "n/a", True: "yes", False: "NO"}[f["within"]],
            f"{f['storage'][0]:,} / {f['storage'][1]:,}" + ("" if f["storage_ok"] else " NO"),
            f"{f['peak'] / mib:.0f} ({f['plain_peak'] / mib:.0f})", f"{f['needed'] / mib:.0f}",
            f"{f['needed'] / f['peak']:.2f} ({f['needed'] / f['plain_peak']:.2f})",
            f"{a:.3f} / {h:.3f}", f"{a / h:.3f}", f"{f['merged']:.1e}",
            f"{max(f['peft']):.1e}" if f["peft"] else "-"]


def verdicts(found: list[dict]) -> list[str]:
    def count(ok, among=found) -> str:
        return f"{sum(1 for f in among if ok(f))} of {len(among)}"

    lines = [f"accuracy within seed noise (|difference of means| <= 2 x its standard error, "
             f"pooled sd): {count(lambda f: f['within'])} configurations"
             + (" (n/a with one seed)" if any(f["se"] is None for f in found) else ""),
             f"update.safetensors == predicted storage: {count(lambda f: f['storage_ok'])}"]
    for model in dict.fromkeys(f["model"] for f in found):
        mine = [f for f in found if f["model"] == model]
        for peak, whose in (("peak", "advisor's"), ("plain_peak", "the plain loop's")):
            lines.append(
                f"{model}: RAM needed under {whose} peak RSS in "
                f"{count(lambda f, p=peak: f['needed'] < f[p], mine)} (target 0), at most 25% over "
                f"it in {count(lambda f, p=peak: f[p] <= f['needed'] <= 1.25 * f[p], mine)} "
                "(target all but one)")
    if found:
        lines += [f"time per step, advisor / plain loop (medians) at most 1.05: "
                  f"{count(lambda f: f['step'][0] <= 1.05 * f['step'][1])}, worst "
                  f"{max(f['step'][0] / f['step'][1] for f in found):.3f}",
                  f"merged vs unmerged logits within 1e-4: {count(lambda f: f['merged'] <= 1e-4)}"
                  f" (worst {max(f['merged'] for f in found):.1e})"]
    peft = [d for f in found for d in f["peft"]]
    return lines + ([f"peft folder's logits equal (<= 1e-6): {sum(d <= 1e-6 for d in peft)} of "
                     f"{len(peft)} runs (worst {max(peft):.1e})"] if peft else [])


def markdown(found: list[dict], a: argparse.Namespace, failures: list[str]) -> str:
    train, val = a.counts
    text = [f"advisor update vs a plain loop: Fashion-MNIST {CLASSES} classes x {train} "
            f"training + {val} validation images, {a.resolution} px, {a.epochs} epochs, "
            f"batch {BATCH_SIZE}, {a.seeds} seed(s), {os.cpu_count()} CPUs, OMP_NUM_THREADS "
            f"{THREADS}; the plain loop under "
            f"{'the allocator setting advisor makes' if a.allocator else 'glibc default'}; "
            f"advisor update {'--fast-allocator' if a.fast_allocator else 'setting it'}\n",
            "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    text += ["| " + " | ".join(row(f)) + " |" for f in found]
    text += ["", *(f"- {line}" for line in verdicts(found)), *(f"- FAILED: {x}" for x in failures)]
    return "\n".join(text) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mobilenet_v3_small,resnet18")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="of " + ",".join(CONFIGS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--work", type=Path, help="images, weights, runs and results.jsonl "
                                                  "(default: advisor's cache/update-check)")
    parser.add_argument("--report", type=Path, help="also write the table here as markdown")
    parser.add_argument("--fast-allocator", action="store_true",
                        help="advisor update --fast-allocator (glibc's default allocator, as "
                             "the plain loop has it unless --same-allocator)")
    parser.add_argument("--same-allocator", action="store_true",
                        help="run the plain loop with glibc's allocator set as advisor sets it")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: the first model, lora and galore, 1 seed, "
                             f"{QUICK_IMAGES[0]} + {QUICK_IMAGES[1]} images per class")
    a = parser.parse_args()
    from advisor.devices.runtime import RUNTIMES
    from advisor.paths import cache_dir
    from advisor.quiet import quiet_third_party

    quiet_third_party()
    a.models, a.configs = a.models.split(","), a.configs.split(",")
    if unknown := [x for x in a.configs + a.models if x not in {**CONFIGS, **HEADS}]:
        parser.error(f"{unknown[0]}: the configurations are {', '.join(CONFIGS)}; the models "
                     f"{', '.join(HEADS)} (update_check_hand.py knows their blocks)")
    if a.quick:
        a.models, a.configs, a.seeds = a.models[:1], ["lora", "galore"], 1
    a.counts = QUICK_IMAGES if a.quick else FULL_IMAGES
    a.allocator = RUNTIMES["pytorch-cpu"].environment if a.same_allocator else {}  # advisor's
    a.work = (a.work or cache_dir() / "update-check").expanduser().resolve()
    (a.work / "logs").mkdir(parents=True, exist_ok=True)
    a.images = write_images(a.work, *a.counts)
    a.weights = {m: starting_weights(a.work, m, a.resolution) for m in a.models}
    done, failures = run_all(a)
    text = markdown(summarise(list(done.values()), a.models, a.configs), a, failures)
    print(text)
    if a.report:
        a.report.write_text(text)


if __name__ == "__main__":
    main()
