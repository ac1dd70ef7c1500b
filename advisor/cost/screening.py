"""Which candidate configurations their method accepts on a model, decided once per
configuration and kept with the costs, so that a recommendation on a shipped device builds no
model before ranking."""

from __future__ import annotations

from advisor.config import Config
from advisor.cost.cache import remembered


def screen(model: str, configs: list[Config]) -> dict[Config, str | None]:
    """Per configuration, None if the method accepts it on this model, else the reason it
    refuses (methods/acceptance.py); decided on the meta device, cached."""
    by_key = {c.cost_config().key(): c for c in configs}
    nets: dict = {}  # one skeleton per depth: deciding freezes a prefix

    def decide(key: str) -> str | None:
        from advisor.methods.acceptance import refusal
        from advisor.zoo import resolve_model, skeleton

        spec, config = resolve_model(model), by_key[key]
        if config.depth not in nets:
            nets[config.depth] = skeleton(spec)
        return refusal(nets[config.depth], spec, config)

    verdicts = remembered("refusals", model, by_key, decide)
    return {c: verdicts[c.cost_config().key()] for c in configs}


def valid_configs(model: str, configs: list[Config]) -> list[Config]:
    """The configurations a method accepts on this model."""
    return [c for c, refusal in screen(model, configs).items() if refusal is None]
