"""Shared fixtures: one in-process emulator per test session, reset before every test."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import Emulator  # noqa: E402
from riposte_emulator.server import start_in_thread  # noqa: E402


@pytest.fixture(scope="session")
def running_emulator():
    server, url = start_in_thread()
    yield Emulator(url)
    server.shutdown()


@pytest.fixture
def emulator(running_emulator):
    running_emulator.reset()
    return running_emulator
