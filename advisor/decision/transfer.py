"""How far the evidence was measured to carry: the figures a recommendation cites where its
accuracy is extrapolated (another resolution than the trials', or the shipped ranking used for
data it was not measured on), so that "extrapolated" comes with a measured error, not only
the word.

benchmarks/transfer.py --ship writes advisor/shipped/transfer.json: per model, the same
configurations trained under new seeds at each resolution and on other data, and per column
Spearman's rank correlation with the trials' protocol and the regret there of the
configuration the protocol's ranking picks. A model without its own figures is told another
model's, named as such; a resolution beyond the measured ones is said to be unmeasured.
"""

from __future__ import annotations

import json
import statistics
from functools import cache

from advisor.config import Config
from advisor.decision.shipped import FOLDER
from advisor.methods import METHODS

FORMAT = 1
TRANSFER_FILE = FOLDER / "transfer.json"
COMMAND = "benchmarks/transfer.py"


@cache
def _models() -> dict[str, dict]:
    try:
        document = json.loads(TRANSFER_FILE.read_text())
    except (OSError, ValueError):
        return {}
    return document.get("models", {}) if document.get("format") == FORMAT else {}


def resolution_runs(model: str, resolution: int) -> tuple[dict[Config, list[float]], float]:
    """Each configuration's accuracies (one per seed) measured for ``model`` itself at
    ``resolution`` under the shipped protocol (--ship keeps them; empty where none were), and
    Student's 95% quantile at their pooled degrees of freedom (computed where they were
    measured, so that a recommendation never imports scipy; NaN without any)."""
    entry = _models().get(model, {}).get("groups", {}).get("resolution", {})
    column = entry.get("runs", {}).get(f"{resolution} px", {})
    return column_runs(column), float(column.get("t_quantile_95") or "nan")


def column_runs(column: dict) -> dict[Config, list[float]]:
    """One shipped column's accuracies (fractions, one per seed) by configuration."""
    return {Config.model_validate(r["config"]): list(r["accuracies"])
            for r in column.get("configurations", [])}


def _whose(model: str) -> tuple[str, dict] | None:
    """The model's own figures, else the first measured model's."""
    models = _models()
    if model in models:
        return model, models[model]
    return next(iter(models.items()), None)


def _figure(name: str, figure: dict, source: str, seeds: int) -> str:
    fewer = figure.get("seeds", seeds)
    name += f" ({fewer} seed{'s' * (fewer > 1)} there)" if fewer != seeds else ""
    said = (f"{name}: Spearman's rho {figure['spearman']:.2f}, the {source} pick "
            f"({figure['pick']}) {_points(figure['regret_points'], figure['regret_se_points'])}"
            " below the best there")
    if figure.get("answer") not in (None, figure["pick"]):
        said += (f", the 32-px evidence's own jetson-nano answer ({figure['answer']}) "
                 f"{_points(figure['answer_regret_points'], figure['answer_regret_se_points'])}"
                 " below")
    return said


def _points(value: float, se: float | None) -> str:
    """'1.2 ± 0.3 points', or '1.2 points (one seed, no standard error)'."""
    return (f"{value:.1f} points (one seed, no standard error)" if se is None
            else f"{value:.1f} ± {se:.1f} points")


def _about(model: str, measured: str, entry: dict) -> str:
    on = "" if measured == model else f" (on {measured}, not {model})"
    return (f"measured transfer ({COMMAND}{on}, {entry['configurations']} configurations x "
            f"{len(entry['seeds'])} seeds)")


def resolution_note(model: str, resolution: int) -> str:
    """The measured resolution transfer nearest ``resolution`` ('' where none is shipped)."""
    found = _whose(model)
    if found is None or "resolution" not in found[1]["groups"]:
        return ""
    measured, entry = found
    group = entry["groups"]["resolution"]
    columns = {int(name.split()[0]): (name, figure) for name, figure in group["to"].items()}
    if not columns:
        return ""
    nearest = min(columns, key=lambda px: (abs(px - resolution), -px))
    name, figure = columns[nearest]
    beyond = max(columns)
    unmeasured = (f"; nothing above {beyond} px was measured" if resolution > beyond else "")
    return (f"{_about(model, measured, entry)}: {group['from']} -> "
            f"{_figure(name, figure, group['from'], len(entry['seeds']))}"
            f"{_depth_gains(group, name)}{unmeasured}")


def _depth_gains(group: dict, name: str) -> str:
    """How much the updates of the last blocks gained from the trials' resolution to ``name``,
    against the updates of all blocks ('' without the runs of both columns). Why: at 32 px
    MobileNetV3's last feature maps are 1x1, so an update of the last blocks alone learns
    little there and much more at 224 px (docs/transfer.md); a reader comparing a
    depth-limited option's 32-px figure with the answer's should know which way it errs."""
    runs = group.get("runs", {})
    if group["from"] not in runs or name not in runs:
        return ""
    low, high = ({c: statistics.mean(a) for c, a in column_runs(runs[column]).items()}
                 for column in (group["from"], name))
    gains = {c: 100 * (high[c] - low[c]) for c in high if c in low
             and METHODS[c.method].reaches_backbone}
    last = [g for c, g in gains.items() if c.depth is not None]
    whole = [g for c, g in gains.items() if c.depth is None]
    if not last or not whole:
        return ""
    said = (f"; from {group['from']} to {name} the {_updates(len(last))} of the last blocks "
            f"measured gained {_span(last)} points, the {len(whole)} of all blocks "
            f"{_span(whole)}")
    if min(last) > max(whole):
        said += f": a {group['from']} figure understates an update of the last blocks there"
    return said


def _updates(count: int) -> str:
    return f"{count} update" + "s" * (count != 1)


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:+.1f}" if len(values) == 1 else f"{low:+.1f} to {high:+.1f}"


def data_note(model: str, task: str) -> str:
    """The measured transfer of the shipped ranking to other data for ``task`` ('' where none
    is shipped)."""
    found = _whose(model)
    if found is None or task not in found[1]["groups"]:
        return ""
    measured, entry = found
    group = entry["groups"][task]
    figures = "; ".join(_figure(name, figure, group["from"], len(entry["seeds"]))
                        for name, figure in group["to"].items())
    return (f"the shipped ranking on other data, {_about(model, measured, entry)}: "
            f"{group['from']} -> {figures}")
