"""Short texts for an 80-column screen (presentation only: every number comes from the API)."""

from __future__ import annotations

from advisor.decision.answer import Option
from advisor.decision.explain import human_bytes

TARGETS_SHORT = {"all": "all", "pointwise": "pw", "no-depthwise": "no-dw"}
CONSTRAINT_NAMES = {"memory": "RAM", "flash": "flash", "update_time": "time",
                    "accuracy": "accuracy"}


def short_label(option: Option) -> str:
    if option.rank is None:
        return option.method
    return f"{option.method} r{option.rank} {TARGETS_SHORT.get(option.targets, option.targets)}"


def accuracy_text(option: Option) -> str:
    if option.accuracy_error is None:
        return f"{option.predicted_accuracy:.1%}"
    return f"{option.predicted_accuracy:.1%}±{option.accuracy_error * 100:.0f}"


def binding(option: Option) -> str:
    """The constraints an infeasible option breaks, by name ("RAM", "flash+time")."""
    return "+".join(CONSTRAINT_NAMES[v.constraint] for v in option.violations) or "fits"


def seconds_text(seconds: float) -> str:
    if seconds < 60:
        return f"~{seconds:.0f} s"
    if seconds < 3600:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


def compact_bytes(n: float) -> str:
    """At most 7 characters: '639 MiB', '1.2 GiB', '96 KiB'."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GiB"
    if n >= 2**20:
        return f"{n / 2**20:.0f} MiB"
    return human_bytes(n)


def ram_text(option: Option) -> str:
    return compact_bytes(option.required_ram_bytes)
