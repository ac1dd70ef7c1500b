"""The devices a search is for, as "does this configuration fit it": its repeats then
confirm each device's own front-runners (repeats.py), not only configurations that fit none.

A configuration fits a device when the exact cost of one step at the device's batch size and
resolution, turned into RAM and flash by the device's runtime (cost/device_need.py, the rule
the recommender applies), stays within the device's own limits. Costs are the on-disk cache's
(cost/cache.py): a configuration is profiled once per device scale, when a repeat first asks.
As it is, without the levers (decision/levers.py): one that fits only micro-batched or
recomputed counts as not fitting here, since trying each lever would profile each variant.
"""

from __future__ import annotations

from advisor.config import Config
from advisor.devices.profile import DeviceProfile, load_device
from advisor.study.repeats import Fits


def device_fits(model: str, device: DeviceProfile, num_classes: int) -> Fits:
    """Whether a configuration of ``model`` fits ``device``, remembered per configuration."""
    from advisor.cost.cache import costs
    from advisor.cost.device_need import fits

    known: dict[Config, bool] = {}

    def fits_device(config: Config) -> bool:
        config = config.evidence_config()
        if config not in known:
            cost = costs(model, [config], device.batch_size, device.resolution,
                         num_classes)[config]
            known[config] = fits(cost, device, config.method)
        return known[config]
    return fits_device


def device_targets(model: str, devices: list[str | DeviceProfile],
                   num_classes: int) -> list[Fits]:
    """One ``Fits`` per device (a shipped id, a profile's path or a profile), in the order
    given."""
    return [device_fits(model, load_device(d), num_classes) for d in devices]
