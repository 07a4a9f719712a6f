"""`rondvraag doctor`: the venue check before the talk, in plain words.

It says which join URL `serve` will print and why that address, whether the port is free,
whether phones can reach the address at all, and what to do about it. Venue Wi-Fi often keeps
phones from reaching a laptop (guest networks isolate devices); nothing here can see that from
the laptop, so the advice names the test (your own phone) and the remedy (your phone's hotspot).
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, field

from . import netaddr

ISOLATION_ADVICE = (
    "Guest and venue Wi-Fi often keep devices from reaching each other (client isolation). "
    "Test with your own phone on the venue Wi-Fi before the talk: open the join URL. If it does "
    "not load, switch on your phone's hotspot, connect this computer and the room to it (or use "
    "a travel router), and run `rondvraag doctor` again."
)


@dataclass
class Report:
    """What the check found: lines to print, and the one problem that stops `serve`."""

    lines: list[str] = field(default_factory=list)
    problem: str = ""

    def say(self, text: str = "") -> None:
        self.lines.append(text)


def port_problem(host: str, port: int) -> str | None:
    """Why `serve` could not listen on host:port right now, or None if it could."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} is taken by another program: stop that program, or serve on "
                    f"another port with `rondvraag serve DECK --port {port + 1}`."
                )
            if exc.errno == errno.EACCES:
                return (
                    f"Port {port} needs administrator rights on this computer: pick a port "
                    "above 1023, e.g. --port 8000."
                )
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is not an address of this computer: check --host."
            return f"Cannot listen on {host}:{port}: {exc.strerror}."
    return None


def check(host: str = "0.0.0.0", port: int = 8000, public_url: str = "") -> Report:
    report = Report()
    every_interface = host in ("0.0.0.0", "::", "")
    base = netaddr.base_url(host, port, public_url)
    report.say(f"Join address: {base}/")
    report.say(f"  `rondvraag serve` prints it with the session's code: {base}/j/CODE")

    reachable = True
    if public_url:
        report.say("  Why: it is the --public-url you gave; phones must be able to open it.")
    elif every_interface:
        chosen = netaddr.choose()
        report.say(f"  Why this address: {chosen.why}.")
        listed = [
            f"{i.name} {i.address}"
            + (f" ({reason})" if (reason := netaddr.unreachable_reason(i)) else "")
            for i in chosen.others
        ]
        if listed:
            report.say("  Other addresses of this computer: " + "; ".join(listed) + ".")
        reason = netaddr.unreachable_reason(netaddr.Interface(chosen.interface, chosen.address))
        if reason:
            reachable = False
            report.say(f"  Phones cannot reach {chosen.address}: it is {reason}.")
    else:
        reason = netaddr.unreachable_reason(netaddr.Interface("", host))
        if reason:
            reachable = False
            report.say(f"  Phones cannot reach {host}: it is {reason}.")
            report.say("  Serve on every interface instead: leave out --host.")

    problem = port_problem(host, port)
    if problem:
        report.say(problem)
        report.problem = problem
    else:
        report.say(f"Port {port}: free.")

    report.say()
    if not reachable:
        report.say(
            "What to do: connect this computer to the venue Wi-Fi (or to your phone's hotspot) "
            "and run `rondvraag doctor` again."
        )
    report.say(ISOLATION_ADVICE)
    return report
