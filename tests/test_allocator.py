"""The heap behaviour RAM needed was fitted under: set by the commands that train, kept by
--fast-allocator, and inherited by the processes a search starts."""

import os

import pytest

from advisor.allocator import HOST_RUNTIME
from advisor.cli.main import main
from advisor.devices.runtime import RUNTIMES

ENVIRONMENT = RUNTIMES[HOST_RUNTIME].environment


@pytest.fixture
def unset(monkeypatch):
    for key in ENVIRONMENT:  # restored after the test
        monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv(key, "unset")


@pytest.mark.parametrize("command", [["trial", "--rank", "0"], ["search", "--trials", "-1"]])
def test_trial_and_search_set_it_at_start_up(unset, command, capsys):
    assert main(command) == 2  # bad input, refused after start-up
    assert all(os.environ[key] == value for key, value in ENVIRONMENT.items())


@pytest.mark.parametrize("command", [["trial", "--rank", "0"], ["search", "--trials", "-1"]])
def test_fast_allocator_keeps_glibcs_default(unset, command, capsys):
    assert main([*command, "--fast-allocator"]) == 2
    assert all(os.environ[key] == "unset" for key in ENVIRONMENT)


def test_a_question_sets_nothing(unset, capsys):
    main(["devices"])
    assert all(os.environ[key] == "unset" for key in ENVIRONMENT)
