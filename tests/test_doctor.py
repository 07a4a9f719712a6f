"""`rondvraag doctor`, the venue check: the address `serve` will use and why, whether the port
is free, and whether phones can reach the address at all."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from app import netaddr
from app.netaddr import Interface

REPO = Path(__file__).resolve().parent.parent
ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
"""
LAPTOP = [
    Interface("lo", "127.0.0.1"),
    Interface("docker0", "172.17.0.1"),
    Interface("wlan0", "192.168.1.23"),
]


def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "doctor", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_default_route_with_the_lowest_metric_names_the_interface() -> None:
    assert netaddr.default_route_interface(ROUTES) == "eth0"
    only_local = "\n".join(line for line in ROUTES.splitlines() if "00000000\t0" not in line[:20])
    assert netaddr.default_route_interface(only_local) is None


def test_the_join_address_is_the_default_routes_interface_not_a_bridge_or_loopback() -> None:
    chosen = netaddr.choose(LAPTOP, "wlan0")
    assert chosen.address == "192.168.1.23"
    assert "default route" in chosen.why
    # The default route through a container bridge: phones cannot use that one.
    chosen = netaddr.choose(LAPTOP, "docker0")
    assert chosen.address == "192.168.1.23"
    assert "docker0, which phones cannot reach" in chosen.why
    # No network at all: only this computer can join, and it says so.
    chosen = netaddr.choose(LAPTOP[:2], None)
    assert chosen.address == "127.0.0.1"


def test_addresses_phones_cannot_reach_are_named_for_what_they_are() -> None:
    assert "loopback" in (netaddr.unreachable_reason(Interface("lo", "127.0.0.1")) or "")
    assert "link-local" in (netaddr.unreachable_reason(Interface("wlan0", "169.254.7.9")) or "")
    assert "bridge" in (netaddr.unreachable_reason(Interface("docker0", "172.17.0.1")) or "")
    assert netaddr.unreachable_reason(Interface("wlan0", "10.20.30.40")) is None


def test_a_taken_port_exits_1_with_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = doctor("--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(
        rf"rondvraag doctor: Port {port} is taken by another program: stop that program, or "
        rf"serve on another port with `rondvraag serve DECK --port {port + 1}`\.",
        lines[0],
    ), lines[0]


def test_doctor_names_the_address_that_serve_prints(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    checked = doctor("--port", str(port))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"Port {port}: free." in checked.stdout
    address = re.search(r"^Join address: (\S+)/$", checked.stdout, re.MULTILINE)
    assert address, checked.stdout
    assert address.group(1) == netaddr.base_url("0.0.0.0", port)
    assert "hotspot" in checked.stdout  # the remedy for guest Wi-Fi that isolates devices

    serve = subprocess.Popen(
        [
            *(sys.executable, "-m", "app", "serve", "questions/samenwerking.yaml"),
            *("--port", str(port), "--data", str(tmp_path)),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        printed = ""
        assert serve.stdout is not None
        while time.monotonic() < deadline and "Join URL:" not in printed:
            printed += serve.stdout.readline()
        join = re.search(r"Join URL:\s+(\S+)/j/\d+", printed)
        assert join, printed
        assert join.group(1) == address.group(1)
        # While it serves, the doctor finds the port taken.
        assert doctor("--port", str(port)).returncode == 1
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        if serve.stdout is not None:
            serve.stdout.close()
