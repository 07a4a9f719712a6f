"""This machine's address on the local network, for a join URL phones on the venue Wi-Fi reach.

`serve` prints the join URL built here and `doctor` explains it, so the two never disagree:
the address of the interface that carries the default route (the one that reaches the venue
network), else the first other address phones could reach. Everything is read locally (no
packet is sent anywhere).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

_SIOCGIFADDR = 0x8915
_BRIDGE_PREFIXES = ("docker", "veth", "br-", "virbr", "cni", "podman", "lxcbr", "lxdbr", "flannel")
ROUTE_TABLE = Path("/proc/net/route")


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    address: str  # IPv4, dotted


@dataclass(frozen=True, slots=True)
class Choice:
    """The join address and why it was picked, in words for `doctor`."""

    address: str
    interface: str  # "" when it did not come from an interface
    why: str
    others: tuple[Interface, ...]


def unreachable_reason(interface: Interface) -> str | None:
    """Why phones cannot reach this address, or None for an ordinary network address."""
    address = ipaddress.ip_address(interface.address)
    if address.is_loopback:
        return "a loopback address: only this computer itself reaches it"
    if address.is_link_local:
        return (
            "a link-local address (169.254.x.x): the network handed this computer no address, "
            "so phones cannot reach it"
        )
    if interface.name.startswith(_BRIDGE_PREFIXES):
        return "a container or virtual-machine bridge: only this computer's containers reach it"
    return None


def default_route_interface(route_table: str | None = None) -> str | None:
    """The interface of the IPv4 default route (Linux's /proc/net/route), if there is one."""
    if route_table is None:
        try:
            route_table = ROUTE_TABLE.read_text()
        except OSError:
            return None
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        name, destination, flags, metric, mask = (fields[i] for i in (0, 1, 3, 6, 7))
        try:
            up = int(flags, 16) & 0x1
            default = int(destination, 16) == 0 and int(mask, 16) == 0
            rank = int(metric)
        except ValueError:
            continue
        if up and default and (best is None or rank < best[0]):
            best = (rank, name)
    return best[1] if best else None


def interfaces() -> list[Interface]:
    """Every IPv4 address of this machine's interfaces, in the system's order."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(
                    sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode())
                )
            except OSError:
                continue  # no IPv4 address on this one
            found.append(Interface(name, socket.inet_ntoa(packed[20:24])))
    return found


def choose(
    found: list[Interface] | None = None, default_interface: str | bool | None = False
) -> Choice:
    """The address phones should use, and why (arguments: for tests; default: this machine)."""
    found = interfaces() if found is None else found
    default = default_route_interface() if default_interface is False else default_interface
    usable = [i for i in found if unreachable_reason(i) is None]
    for interface in usable:
        if interface.name == default:
            others = tuple(i for i in found if i != interface)
            return Choice(
                interface.address,
                interface.name,
                f"it belongs to {interface.name}, the interface that carries the default route",
                others,
            )
    if usable:
        first = usable[0]
        why = f"it belongs to {first.name}, the first interface phones could reach"
        if default:
            why += f" (the default route goes through {default}, which phones cannot reach)"
        else:
            why += " (this computer has no default route: is it connected to the network?)"
        return Choice(first.address, first.name, why, tuple(i for i in found if i != first))
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if unreachable_reason(Interface("", address)) is None:
                return Choice(
                    address, "", "it is what this computer's name resolves to", tuple(found)
                )
    except OSError:
        pass
    return Choice(
        "127.0.0.1",
        "lo",
        "no interface has an address phones could reach, so only this computer can join",
        tuple(i for i in found if i.address != "127.0.0.1"),
    )


def lan_address() -> str:
    """The address the join URL uses when serving on every interface (0.0.0.0)."""
    return choose().address


def base_url(host: str, port: int, public_url: str = "") -> str:
    """The address phones open: `public_url` if set, else this host (its LAN address when
    listening on every interface) and port."""
    if public_url:
        return public_url
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}" + ("" if port == 80 else f":{port}")
