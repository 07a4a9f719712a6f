"""The hub's per-client mailbox: eager sends, latest-only when backed up, dead clients dropped."""

from __future__ import annotations

import asyncio

from app.hub import Client, Hub


class Socket:
    """A websocket stand-in whose sends block while `gate` is closed, like a backed-up phone."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.broken = False

    async def send(self, text: str) -> None:
        await self.gate.wait()
        if self.broken:
            raise ConnectionError("gone")
        self.sent.append(text)


async def test_a_ready_socket_is_sent_to_at_once_without_a_task() -> None:
    socket = Socket()
    client = Client(socket.send)
    tasks_before = len(asyncio.all_tasks())
    client.offer("state", "s1")
    assert socket.sent == ["s1"]
    assert len(asyncio.all_tasks()) == tasks_before


async def test_a_backed_up_socket_gets_only_the_newest_snapshot_per_kind() -> None:
    socket = Socket()
    client = Client(socket.send)
    socket.gate.clear()
    client.offer("state", "s1")  # blocks in the transport
    for n in range(2, 50):
        client.offer("state", f"s{n}")
        client.offer("results", f"r{n}")
    assert socket.sent == []
    socket.gate.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert socket.sent == ["s1", "s49", "r49"]


async def test_a_slow_client_does_not_delay_the_others() -> None:
    hub = Hub()
    slow, fast = Socket(), Socket()
    slow.gate.clear()
    room = hub.room("123456")
    room.phones.update({Client(slow.send), Client(fast.send)})
    for n in range(100):
        hub.to_phones("123456", "state", f"s{n}")
    assert fast.sent == [f"s{n}" for n in range(100)]
    assert slow.sent == []


async def test_a_broken_socket_marks_the_client_closed() -> None:
    socket = Socket()
    socket.broken = True
    client = Client(socket.send)
    client.offer("state", "s1")
    assert client.closed
    client.offer("state", "s2")  # ignored, no error
    assert socket.sent == []


async def test_closing_a_backed_up_client_ends_its_task() -> None:
    socket = Socket()
    socket.gate.clear()
    client = Client(socket.send)
    client.offer("state", "s1")
    client.close()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    socket.gate.set()
    await asyncio.sleep(0)
    assert socket.sent == []
    assert [t for t in asyncio.all_tasks() if "_finish" in repr(t)] == []
