"""This machine's address on the local network, for a join URL phones on the venue Wi-Fi reach."""

from __future__ import annotations

import socket
import struct
import sys

_SIOCGIFADDR = 0x8915
_SKIP_PREFIXES = ("lo", "docker", "veth", "br-", "virbr")


def lan_address() -> str:
    """The first IPv4 address of a real network interface; 127.0.0.1 if there is none.

    Reads interface addresses locally (no packet is sent anywhere).
    """
    for address in _interface_addresses():
        if not address.startswith("127."):
            return address
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = info[4][0]
            if not address.startswith("127."):
                return address
    except OSError:
        pass
    return "127.0.0.1"


def _interface_addresses() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    import fcntl

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            if name.startswith(_SKIP_PREFIXES):
                continue
            try:
                packed = fcntl.ioctl(
                    sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode())
                )
            except OSError:
                continue
            found.append(socket.inet_ntoa(packed[20:24]))
    return found
