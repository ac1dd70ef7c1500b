"""Figures of a model itself, not of an update: what a suggestion of another model or a
device's floor needs, kept with the costs so that a shipped device builds no model."""

from __future__ import annotations

from advisor.cost.cache import remembered


def parameter_count(model: str, num_classes: int) -> int:
    """All parameters of the model with a ``num_classes`` head."""
    def count(_: str) -> int:
        from advisor.zoo import resolve_model, skeleton

        net = skeleton(resolve_model(model), num_classes)
        return int(sum(p.numel() for p in net.parameters()))

    key = str(num_classes)
    return remembered("parameters", model, [key], count)[key]


def forward_peak(model: str, resolution: int, num_classes: int) -> int:
    """cost.step.inference_peak, kept: the least any update at this resolution needs."""
    def peak(_: str) -> int:
        from advisor.cost.step import inference_peak

        return int(inference_peak(model, resolution, num_classes))

    key = f"{resolution}:{num_classes}"
    return remembered("forward_peaks", model, [key], peak)[key]
