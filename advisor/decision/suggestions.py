"""Nothing fits: find the smallest change that would make something fit (a smaller batch,
then a smaller resolution), or name the bound that no setting can move."""

from __future__ import annotations

from advisor.accuracy.estimate import Estimate
from advisor.cost.cache import costs
from advisor.cost.device_need import BYTES_PER_PARAM
from advisor.cost.model_facts import parameter_count
from advisor.decision.answer import Option
from advisor.decision.bounds import Floor
from advisor.decision.feasibility import evaluate
from advisor.decision.question import Question
from advisor.decision.verdicts import Suggestion


def _models_within(flash: float, num_classes: int) -> list[str]:
    """The zoo's models whose float32 weights alone fit in ``flash`` bytes."""
    from advisor.zoo import MODELS

    return [name for name in MODELS
            if parameter_count(name, num_classes) * BYTES_PER_PARAM < flash]


def _estimate(option: Option) -> Estimate:
    return Estimate(option.predicted_accuracy, option.as_config(),
                    option.measured_accuracy is not None, option.accuracy_error,
                    option.measured_runs)


def _smaller_scale(model: str, lightest: Option, question: Question) -> Suggestion | None:
    """The first smaller batch, then resolution, at which the lightest option fits."""
    batch_size, resolution = question.batch_size, question.resolution
    scales = [(b, resolution) for b in (batch_size // 2, batch_size // 4, 1) if b >= 1]
    scales += [(1, r) for r in (resolution * 3 // 4, resolution // 2, resolution // 4)
               if r >= 32]
    config = lightest.config
    for b, r in dict.fromkeys(scales):
        if (b, r) == (batch_size, resolution):
            continue
        cost = costs(model, [config], b, r, question.num_classes)[config]
        option = evaluate(config, _estimate(lightest), cost, question)
        if option.feasible:
            return Suggestion(kind="smaller_scale", config=config, batch_size=b,
                              resolution=r, required_ram_bytes=option.required_ram_bytes)
    return None


def suggest(model: str, options: list[Option], question: Question,
            floor: Floor | None) -> Suggestion:
    """What would make something fit, for a question where nothing does (``floor``:
    bounds.ram_floor of the question, where an option breaks the RAM limit)."""
    device, num_classes = question.device, question.num_classes
    smallest_flash = min(options, key=lambda o: o.flash_bytes)
    flash = [v for v in smallest_flash.violations
             if v.constraint == "flash" and v.set_by == "device"]
    if device.frozen_weights_in_flash and flash:
        return Suggestion(kind="frozen_weights_exceed_flash", config=smallest_flash.config,
                          violations=flash, models=_models_within(flash[0].limit, num_classes))
    lightest = min(options, key=lambda o: o.required_ram_bytes)
    memory = [v for v in lightest.violations if v.constraint == "memory"]
    if memory and floor is not None and floor.below_any_scale:  # no scale helps: none tried
        return Suggestion(kind="below_floor", config=lightest.config, violations=memory,
                          required_ram_bytes=floor.any_scale)
    if memory:
        fits = _smaller_scale(model, lightest, question)
        if floor is not None and floor.blocks_levers:  # physical at this resolution
            return Suggestion(kind="forward_exceeds_ram", config=lightest.config,
                              violations=memory, forward_bytes=floor.at_scale,
                              **(fits.model_dump(include={"batch_size", "resolution",
                                                          "required_ram_bytes"})
                                 if fits else {}))
        return fits or Suggestion(kind="nothing_fits_ram", config=lightest.config)
    best = max(options, key=lambda o: o.predicted_accuracy)
    return Suggestion(kind="relax", config=best.config, violations=best.violations)
