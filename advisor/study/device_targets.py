"""The devices a search is for, as "does this configuration fit it": its repeats then
confirm each device's own front-runners (repeats.py), not only configurations that fit none,
and its draws take what could raise a device's answer (device_gain.py).

A configuration fits a device when the exact cost of one step at the device's batch size and
resolution, turned into RAM and flash by the device's runtime (cost/device_need.py, the rule
the recommender applies), stays within the device's own limits. Costs are the on-disk cache's
(cost/cache.py): a configuration is profiled once per device scale, in one batch per device
when a draw or a repeat first asks. As it is, without the levers (decision/levers.py): one
that fits only micro-batched or recomputed counts as not fitting here, since trying each lever
would profile each variant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from advisor.config import Config
from advisor.devices.profile import DeviceProfile, load_device

Fits = Callable[[Config], bool]  # whether a configuration fits one device the search is for


class DeviceFits:
    """Whether a configuration of ``model`` fits ``device``, remembered per configuration."""

    def __init__(self, model: str, device: DeviceProfile, num_classes: int) -> None:
        self.model, self.device, self.num_classes = model, device, num_classes
        self._known: dict[Config, bool] = {}

    def __call__(self, config: Config) -> bool:
        config = config.evidence_config()
        if config not in self._known:
            self.warm([config])
        return self._known[config]

    def warm(self, configs: list[Config]) -> None:
        """Judge the configurations not judged yet, costed in one batch. Why: a draw asks
        about every candidate of the grid, and the cost cache profiles a batch with its worker
        processes and a progress line, where one configuration at a time gets neither."""
        from advisor.cost.cache import costs
        from advisor.cost.device_need import fits

        todo = [c for c in dict.fromkeys(c.evidence_config() for c in configs)
                if c not in self._known]
        if todo:
            exact = costs(self.model, todo, self.device.batch_size, self.device.resolution,
                          self.num_classes)
            self._known.update({c: fits(exact[c], self.device, c.method) for c in todo})


def warm(targets: Sequence[Fits], configs: list[Config]) -> None:
    """Cost ``configs`` at the scale of each device among ``targets`` in one batch each (a
    target that is not a device's, e.g. the regret benchmark's measured sets, needs none)."""
    for target in targets:
        if isinstance(target, DeviceFits):
            target.warm(configs)


def device_targets(model: str, devices: list[str | DeviceProfile],
                   num_classes: int) -> list[Fits]:
    """One ``Fits`` per device (a shipped id, a profile's path or a profile), in the order
    given."""
    return [DeviceFits(model, load_device(d), num_classes) for d in devices]
