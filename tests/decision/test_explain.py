"""The words in one place: the long label (Config.label) and the reasons share their lever
words; the short label, byte sizes and durations have one formatter each, whose compact form
is the TUI's one-line columns."""

from advisor.config import Config
from advisor.decision import explain
from advisor.decision.verdicts import Violation

LEVERED = Config(method="lora", rank=8, targets="pointwise", depth=4, micro_batch=8,
                 checkpointing=True)


def test_the_long_label_and_the_reasons_write_the_levers_alike():
    assert LEVERED.label == ("lora r8 (pointwise), last 4 blocks, micro-batch 8, "
                             "checkpointing")
    assert explain.levers(LEVERED, 32, 118 * 2**20, None) == \
        "last 4 blocks, micro-batch 8 x 4, checkpointing: 118.0 MiB"
    assert explain.levers(Config(method="head"), 32, 2**20, None) is None


def test_the_short_label_one_table_of_abbreviations_two_widths():
    assert explain.short_label(LEVERED) == "lora r8 (pw)\nlast 4, µb 8, ckpt"
    assert explain.short_label(LEVERED, compact=True) == "lora r8 pw"
    no_dw = Config(method="dora", rank=4, targets="no-depthwise")
    assert explain.short_label(no_dw, compact=True) == "dora r4 no-dw"
    assert explain.short_label(Config(method="full"), compact=True) == "full"
    for abbreviation in ("pw:", "no-dw:", "µb:", "ckpt:", "last N:"):
        assert abbreviation in explain.SHORT_LEGEND


def test_bytes_and_durations_have_one_formatter_each():
    assert explain.human_bytes(638.6 * 2**20) == "638.6 MiB"
    assert explain.human_bytes(638.6 * 2**20, compact=True) == "639 MiB"
    assert explain.human_bytes(2.5 * 2**30, compact=True) == "2.5 GiB" == \
        explain.human_bytes(2.5 * 2**30)
    assert explain.human_bytes(96 * 2**10, compact=True) == "96.0 KiB"
    assert [explain.human_duration(s) for s in (9, 75, 2520, 16560)] == \
        ["9 s", "75 s", "42 min", "4.6 h"]


def test_constraint_names_in_a_cell():
    ram = Violation(constraint="memory", need=2, limit=1, set_by="device")
    time = Violation(constraint="update_time", need=2, limit=1, set_by="user")
    assert explain.constraint_names([ram, time]) == "RAM+time"
    assert explain.constraint_names([]) == ""
    assert explain.short_violation(ram).startswith("RAM ")


def test_a_tie_never_calls_a_saving_zero_percent():
    """resnet18 `shift` on the Jetson: LoRA r1 pointwise needs 0.006% less RAM than LoRA r2
    pointwise (its smaller adapters); whole percents printed it as '0% less'."""
    import re

    from advisor.decision.recommend import recommend

    ties = recommend("jetson-nano", "resnet18", "shift").ties
    share = re.search(r"needs ([0-9.e-]+)% less RAM", ties)
    assert share and float(share.group(1)) > 0
    assert explain._share(0.4) == "40%" and explain._share(0.0004) == "0.04%"
