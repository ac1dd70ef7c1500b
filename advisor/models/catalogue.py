"""What ``advisor models`` lists: the hand-written models, then every torchvision
classification builder (a CNN with its spec, or a transformer with the reason it is refused),
with the figures a person chooses by. The README's model table is this list as markdown
(``advisor models --markdown``), so it cannot drift from the code."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.zoo import MODELS, ModelSpec


def _params(spec: ModelSpec) -> int:
    from advisor.zoo import skeleton

    if spec.params is not None:  # counted on the model the rules built (no second build)
        return spec.params
    return sum(p.numel() for p in skeleton(spec, 1000).parameters())


def _row(spec: ModelSpec) -> dict[str, Any]:
    return {"name": spec.name, "aliases": list(spec.aliases), "family": spec.family,
            "blocks": spec.block_count, "depths": "all" if spec.whole_only else "any",
            "params": _params(spec), "head": spec.head, "scale": spec.scale,
            "source": "advisor" if spec.name in MODELS else spec.source,
            "evidence": [], "description": spec.description,
            "refused": None}


def _cache_file() -> Path:
    """Where the rows are kept: building 80 models on meta takes seconds, and they change only
    with torchvision's version or the code that finds them (hashed)."""
    import hashlib
    from importlib.metadata import version

    from advisor import zoo
    from advisor.models import spec, structure, torchvision_cnns
    from advisor.paths import cache_dir

    code = hashlib.sha256(b"".join(Path(m.__file__).read_bytes()
                                   for m in (zoo, spec, structure, torchvision_cnns)))
    return cache_dir() / f"models-tv{version('torchvision')}-{code.hexdigest()[:12]}.json"


def _built() -> list[dict[str, Any]]:
    from advisor.models.torchvision_cnns import catalogue

    found = [_row(spec) for spec in MODELS.values()]
    for name, spec in catalogue():
        if name in MODELS:
            continue
        found.append({"name": name, "refused": spec} if isinstance(spec, str) else _row(spec))
    return found


def rows() -> list[dict[str, Any]]:
    """One row per model advisor knows by name (timm's and a user's own are not listed),
    with the tasks the package ships evidence for."""
    from advisor.decision.shipped import shipped_pairs
    from advisor.userfiles import write_text

    path = _cache_file()
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        from advisor import progress

        progress.note("describing torchvision's classification models on the meta device "
                      "(once, about half a minute)")
        found = _built()
        with contextlib.suppress(OSError, AdvisorError):  # a read-only cache: built each time
            write_text(path, json.dumps(found))
    evidence: dict[str, list[str]] = {}
    for model, task in shipped_pairs():
        evidence.setdefault(model, []).append(task)
    for r in found:
        if r["refused"] is None:
            r["evidence"] = evidence.get(r["name"], [])
    return found


def markdown(found: list[dict[str, Any]]) -> str:
    """The README's table: supported models, then the refused ones with their reason."""
    lines = ["| model | aliases | family | scale | blocks | parameters (1000 classes) "
             "| shipped evidence |", "|---|---|---|---|---|---|---|"]
    for r in found:
        if r["refused"] is None:
            blocks = f"{r['blocks']}" + (" (depth all only)" if r["depths"] == "all" else "")
            lines.append(f"| {r['name']} | {', '.join(r['aliases'])} | {r['family']} "
                         f"| {r['scale']} | {blocks} "
                         f"| {r['params'] / 1e6:.2f}M | {', '.join(r['evidence']) or '-'} |")
    refused = [f"{r['name']} ({r['refused']})" for r in found if r["refused"] is not None]
    supported = sum(r["refused"] is None for r in found)
    lines += ["", f"{supported} models supported. Refused: {'; '.join(refused)}."]
    return "\n".join(lines) + "\n"
