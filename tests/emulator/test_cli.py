"""scripts/emulator: one ready line on stdout, a working server on 127.0.0.1, fast exit on SIGTERM."""

import re
import subprocess
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_scripts_emulator_prints_one_ready_line_and_serves():
    process = subprocess.Popen([str(ROOT / "scripts" / "emulator"), "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        ready = re.fullmatch(r"riposte-emulator ready (http://127\.0\.0\.1:(\d+))\n", line)
        assert ready, line
        assert int(ready.group(2)) > 0
        assert requests.get(ready.group(1) + "/_riposte/calls", timeout=5).json() == {"calls": []}
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
    assert rest == "" and process.returncode == 0


def test_scripts_emulator_without_a_port_is_a_usage_error():
    done = subprocess.run([str(ROOT / "scripts" / "emulator")], capture_output=True, text=True)
    assert done.returncode == 2 and "usage" in done.stderr and done.stdout == ""
