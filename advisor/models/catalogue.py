"""What ``advisor models`` lists: the hand-written models, then every torchvision
classification builder (a CNN with its spec, or a transformer with the reason it is refused),
with the figures a person chooses by. The README's model table is this list as markdown
(``advisor models --markdown``), so it cannot drift from the code."""

from __future__ import annotations

from typing import Any

from advisor.zoo import MODELS, ModelSpec


def _params(spec: ModelSpec) -> int:
    from advisor.zoo import skeleton

    return sum(p.numel() for p in skeleton(spec, 1000).parameters())


def _row(spec: ModelSpec, evidence: dict[str, list[str]]) -> dict[str, Any]:
    return {"name": spec.name, "aliases": list(spec.aliases), "family": spec.family,
            "blocks": spec.block_count, "depths": "all" if spec.whole_only else "any",
            "params": _params(spec), "head": spec.head, "scale": spec.scale,
            "source": "advisor" if spec.name in MODELS else spec.source,
            "evidence": evidence.get(spec.name, []), "description": spec.description,
            "refused": None}


def rows() -> list[dict[str, Any]]:
    """One row per model advisor knows by name (timm's and a user's own are not listed)."""
    from advisor.decision.shipped import shipped_pairs
    from advisor.models.torchvision_cnns import catalogue

    evidence: dict[str, list[str]] = {}
    for model, task in shipped_pairs():
        evidence.setdefault(model, []).append(task)
    found = [_row(spec, evidence) for spec in MODELS.values()]
    for name, spec in catalogue():
        if name in MODELS:
            continue
        if isinstance(spec, str):
            found.append({"name": name, "refused": spec})
        else:
            found.append(_row(spec, evidence))
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
