import pytest

from advisor.devices.profile import Constraints, DeviceProfile, list_devices, load_device
from advisor.devices.runtime import RUNTIMES
from advisor.errors import AdvisorError

REQUIRED = {"jetson-nano", "jetson-orin-nano", "raspberry-pi-4-2gb", "raspberry-pi-4-4gb",
            "raspberry-pi-5", "coral-dev-board", "stm32f746", "esp32-s3"}

GOOD = """
id = "my-board"
name = "My board"
kind = "sbc"
ram = "2 GiB"
usable_ram = "1.5 GiB"
storage = "16 GB"
sources = ["my datasheet"]
[compute]
processor = "4x A55"
fp32_peak_gflops = 20
training_gflops = 2
training_gflops_basis = "guess"
"""


def test_catalog_ships_the_required_devices_with_sources():
    devices = {d.id: d for d in list_devices()}
    assert set(devices) >= REQUIRED
    for d in devices.values():
        assert d.sources and d.usable_ram <= d.ram
        assert "estimate" in d.compute.training_gflops_basis


def test_byte_sizes_parse_human_units():
    nano = load_device("jetson-nano")
    assert nano.ram == 4 * 1024**3
    assert nano.usable_ram == int(2.5 * 1024**3)
    assert load_device("stm32f746").usable_ram == 256 * 1024


def test_user_profile_from_a_path(tmp_path):
    path = tmp_path / "board.toml"
    path.write_text(GOOD)
    profile = load_device(str(path))
    assert isinstance(profile, DeviceProfile) and profile.id == "my-board"
    assert profile.training_flops_per_second() == 2e9


@pytest.mark.parametrize(("edit", "field"), [
    (("usable_ram = \"1.5 GiB\"", "usable_ram = \"lots\""), "usable_ram"),
    (("ram = \"2 GiB\"", "ram = \"1 GiB\""), "(value)"),  # usable_ram > ram
    (("fp32_peak_gflops = 20", "fp32_peak_gflops = -1"), "compute.fp32_peak_gflops"),
    (("kind = \"sbc\"", "kind = \"toaster\""), "kind"),
    (("sources = [\"my datasheet\"]", "sourcez = []"), "sources"),
])
def test_malformed_profile_names_the_field(tmp_path, edit, field):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(AdvisorError) as info:
        load_device(str(path))
    message = str(info.value)
    assert "\n" not in message and "bad.toml" in message
    assert field in message or ("usable_ram cannot exceed ram" in message and field == "(value)")


def test_not_toml_and_unknown_device(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = [unclosed")
    with pytest.raises(AdvisorError, match="not valid TOML"):
        load_device(str(path))
    with pytest.raises(AdvisorError, match="unknown device 'toaster'.*jetson-nano"):
        load_device("toaster")


def test_constraints_validate_ranges():
    assert Constraints(max_memory="1 GiB").max_memory == 1024**3
    with pytest.raises(ValueError):
        Constraints(min_accuracy=1.5)


def test_the_runtime_decides_the_ram_beyond_the_tensors(tmp_path):
    """A board running PyTorch on its CPU gets the measured runtime model (and its allocator
    setting) and counts the process's own measured baseline; a microcontroller the bare-metal
    one, with no process; a file may override what the update adds with a factor."""
    sbc, mcu = load_device("raspberry-pi-4-2gb"), load_device("stm32h743")
    assert sbc.memory() == RUNTIMES["pytorch-cpu"] and mcu.memory() == RUNTIMES["bare-metal"]
    assert load_device("jetson-nano").memory() == RUNTIMES["pytorch-cuda"]
    peak = 100 * 2**20
    cpu = sbc.memory()
    assert cpu.added(peak) == int(cpu.fixed + cpu.factor * peak)
    assert cpu.needed(peak) == cpu.process + cpu.added(peak) and cpu.process > 2**28
    # what the update imports: peft for an adapter, galore-torch for GaLore, neither for full
    assert cpu.needed(peak, method="full") == cpu.needed(peak) < cpu.needed(peak, method="galore") \
        < cpu.needed(peak, method="lora") == cpu.needed(peak, method="dora")
    assert "+149.0 MiB for lora/dora, +67.0 MiB for galore" in cpu.describe()
    assert "measured" in cpu.basis and "measured" in cpu.process_basis
    assert "assumed" in mcu.memory().basis and mcu.memory().needed(peak) == mcu.memory().added(peak)
    assert "the process" in cpu.describe() and "the process" not in cpu.describe_added()
    path = tmp_path / "board.toml"
    path.write_text(GOOD.replace('sources = ["my datasheet"]',
                                 'sources = ["my datasheet"]\nruntime_overhead = 1.5'))
    board = load_device(str(path))
    process = RUNTIMES[board.runtime_name].process
    assert board.memory().needed(peak) == process + int(1.5 * peak)
    assert board.memory().process_extra == RUNTIMES[board.runtime_name].process_extra
    assert board.memory().fixed == 0
