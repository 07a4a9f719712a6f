"""The load benchmark at small scale: every scenario runs against a real server and its
figures describe what actually happened (timings are printed by the bench, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # bench/ is a top-level package of the repo, not installed
    sys.path.insert(0, str(REPO_ROOT))

from bench.runner import check  # noqa: E402

PHONES = 30


@dataclass
class Run:
    report: dict[str, Any]
    returncode: int
    stderr: str


@pytest.fixture(scope="module")
def run() -> Run:
    """One small run of `python -m bench`, shared by the tests below."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--participants",
            str(PHONES),
            "--vote-rate",
            "50",
            "--duration",
            "2",
            "--json-only",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("{"), (
        f"expected one JSON line, got:\n{proc.stdout}\n{proc.stderr}"
    )
    return Run(json.loads(lines[0]), proc.returncode, proc.stderr)


@pytest.fixture(scope="module")
def report(run: Run) -> dict[str, Any]:
    return run.report


def test_bench_exits_zero_without_errors(run: Run) -> None:
    assert run.returncode == 0, f"{run.report.get('errors')}\n{run.stderr}"
    assert "errors" not in run.report


def test_every_scenario_is_reported(report: dict[str, Any]) -> None:
    assert set(report["scenarios"]) == {"join", "idle", "storm", "projector", "slide", "baseline"}
    assert report["ok"] is True
    assert report["config"]["rate_limits"].startswith("disabled")


def test_every_phone_joins_and_gets_its_first_state(report: dict[str, Any]) -> None:
    join = report["scenarios"]["join"]
    assert join["joined"] == PHONES
    assert join["connected"] == PHONES
    assert join["failures"] == 0
    assert join["all_connected_s"] is not None


def test_idle_room_measures_server_memory(report: dict[str, Any]) -> None:
    idle = report["scenarios"]["idle"]
    assert idle["connected"] == PHONES
    assert idle["rss_after_kib"] > 0 and idle["rss_before_kib"] > 0
    assert idle["kib_per_connection"] is not None


def test_vote_storm_votes_are_all_acknowledged(report: dict[str, Any]) -> None:
    storm = report["scenarios"]["storm"]
    assert storm["offered"] == 100  # 50 votes/s for 2 s
    assert storm["acked"] == storm["offered"]
    assert storm["errors"] == 0
    assert storm["latency"]["count"] == storm["acked"]


def test_stored_responses_equal_acknowledged_pairs(report: dict[str, Any]) -> None:
    correctness = report["correctness"]
    assert correctness["ok"] is True
    per_question = correctness["per_question"]
    # every phone answered `rol` in the storm (votes cycle over the phones) and `drijfveren` once
    assert per_question["rol"] == {"acknowledged": PHONES, "stored": PHONES, "unanswered": 0}
    assert per_question["drijfveren"] == {"acknowledged": PHONES, "stored": PHONES, "unanswered": 0}


def test_presenter_sees_every_acknowledged_vote(report: dict[str, Any]) -> None:
    projector = report["scenarios"]["projector"]
    assert projector["acked"] == PHONES
    assert projector["seen_by_presenter"] == PHONES
    assert projector["missing"] == 0
    assert projector["presenter_results_messages"] >= 1


def test_every_phone_receives_every_slide_change(report: dict[str, Any]) -> None:
    slide = report["scenarios"]["slide"]
    assert slide["changes"] == 5
    assert slide["phones_watched"] == 5 * PHONES
    assert slide["received"] == 5 * PHONES
    assert slide["missing"] == 0
    assert all(change["received"] == PHONES for change in slide["per_change"])


def test_baseline_runs_the_same_load_shape(report: dict[str, Any]) -> None:
    baseline = report["scenarios"]["baseline"]
    storm = report["scenarios"]["storm"]
    assert baseline["offered"] == storm["offered"]
    assert baseline["acked"] == baseline["offered"]
    assert baseline["vote_vs_noop"]["throughput_ratio"] is not None
    assert baseline["vote_vs_noop"]["p50_ratio"] is not None


def test_check_fails_a_lost_vote() -> None:
    verdict = check(Counter({"rol": 10}), Counter(), {"rol": 0}, {"rol": 9})
    assert verdict["ok"] is False
    assert "lost or phantom" in verdict["verdict"]


def test_check_fails_a_vote_stored_without_acknowledgement_but_says_why() -> None:
    verdict = check(Counter({"rol": 10}), Counter({"rol": 2}), {"rol": 5}, {"rol": 16})
    assert verdict["ok"] is False
    assert verdict["per_question"]["rol"] == {"acknowledged": 10, "stored": 11, "unanswered": 2}
    assert "stopped waiting" in verdict["verdict"]


def test_check_counts_only_responses_stored_during_the_run() -> None:
    verdict = check(
        Counter({"rol": 3}), Counter(), {"rol": 7, "stellingen": 2}, {"rol": 10, "stellingen": 2}
    )
    assert verdict["ok"] is True
    assert verdict["per_question"] == {"rol": {"acknowledged": 3, "stored": 3, "unanswered": 0}}


# --- the open wall ---------------------------------------------------------------------------

WALL_PHONES = 20
WALL_ANSWERS = 60  # 3 entries per phone


@pytest.fixture(scope="module")
def wall_run() -> Run:
    """One tiny run of the openwall scenario: 20 phones, a wall of 60 entries, 3 s per run."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--participants",
            str(WALL_PHONES),
            "--scenarios",
            "openwall",
            "--wall-answers",
            str(WALL_ANSWERS),
            "--wall-rate",
            "20",
            "--wall-duration",
            "3",
            "--json-only",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("{"), (
        f"expected one JSON line, got:\n{proc.stdout}\n{proc.stderr}"
    )
    return Run(json.loads(lines[0]), proc.returncode, proc.stderr)


def test_open_wall_runs_shown_and_hidden(wall_run: Run) -> None:
    report = wall_run.report
    assert wall_run.returncode == 0, f"{report.get('errors')}\n{wall_run.stderr}"
    assert set(report["scenarios"]) == {"openwall"}
    wall = report["scenarios"]["openwall"]
    assert wall["phones"] == WALL_PHONES
    assert wall["entries"] == WALL_ANSWERS
    assert wall["submissions"] == 60  # 20 submissions/s for 3 s
    for mode, visible in (("shown", True), ("hidden", False)):
        run = wall[mode]
        assert run["results_visible"] is visible
        assert run["offered"] == 60
        assert run["healthz"]["probes"] > 0
        assert run["phones"]["connected_at_end"] == WALL_PHONES
    # the instrument counted what the phones and the presenter received with results shown
    assert wall["shown"]["phones"]["bytes"] > 0
    assert wall["shown"]["presenter"]["bytes"] > 0


def test_open_wall_stored_equals_acknowledged(wall_run: Run) -> None:
    correctness = wall_run.report["correctness"]
    assert correctness["ok"] is True, correctness
    assert correctness["stored"] == correctness["acknowledged"]
    wall = wall_run.report["scenarios"]["openwall"]
    for mode in ("shown", "hidden"):
        stored = wall[mode]["stored"]
        assert stored["responses"] == stored["acked_participants"]
        assert stored["entries"] == stored["expected_entries"]
        checks = correctness["per_question"]
        for what in ("participants", "entries"):
            check_ = checks[f"onthouden {mode}: {what}"]
            assert check_["stored"] == check_["acknowledged"]


# --- the phones' websocket reader ------------------------------------------------------------


class _FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


async def test_phone_reader_counts_every_message_whatever_its_shape() -> None:
    """Big whole messages are counted without parsing, the rest parsed: in any chunking."""
    import asyncio
    import random
    from typing import cast

    from websockets.frames import Frame, Opcode
    from websockets.utils import accept_key

    from bench.wsclient import Inbox, PhoneSocket

    def frame(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
        return Frame(opcode, data, fin).serialize(mask=False)

    big = b'{"type":"results","result":"' + b"a" * 200_000 + b'"}'
    frames = [
        (frame(Opcode.TEXT, b'{"type":"state"}'), 16),
        (frame(Opcode.TEXT, big), len(big)),  # counted as it streams in, never parsed
        (frame(Opcode.PING, b"abcd"), None),
        (frame(Opcode.BINARY, b"b" * 70_000), 70_000),
        (frame(Opcode.TEXT, b"x" * 300), 300),
        (frame(Opcode.TEXT, b"y" * 70_000, fin=False), None),  # fragmented: parsed
        (frame(Opcode.CONT, b"z" * 10), 70_010),
        (frame(Opcode.PING, b""), None),
        (frame(Opcode.TEXT, b"end"), 3),
    ]
    sizes = [size for _, size in frames if size is not None]
    for seed in range(20):
        texts: list[bytes] = []
        inbox = Inbox()
        sock = PhoneSocket(
            "ws://127.0.0.1:1/ws/sessions/1",
            inbox,
            lambda _, d, texts=texts: texts.append(bytes(d)),
            2**24,
        )
        transport = _FakeTransport()
        sock.connection_made(cast(asyncio.Transport, transport))
        request = transport.written[0].decode()
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        stream = (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        ).encode() + b"".join(f for f, _ in frames)
        rng = random.Random(seed)
        pos = 0
        while pos < len(stream):
            step = rng.choice([1, 2, 3, 7, 100, 1000, 65_536, 300_000])
            sock.data_received(stream[pos : pos + step])
            pos += step
        await asyncio.sleep(0.05)  # the inbox parses small frames on the next loop turns
        assert sock.opened.done() and sock.opened.exception() is None
        assert inbox.messages == len(sizes)
        assert inbox.payload_bytes == sum(sizes)
        assert inbox.max_message == len(big)
        assert texts == [b'{"type":"state"}', b"x" * 300, b"y" * 70_000 + b"z" * 10, b"end"]
        assert len(transport.written) == 3  # the handshake request and a pong per ping


# --- a cluster: PostgreSQL, Redis and two workers --------------------------------------------

CLUSTER_PHONES = 30


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_cluster_of_two_workers_runs_and_stores_what_it_acknowledged() -> None:
    """`--cluster 2`: a throwaway PostgreSQL and Redis, two workers, the phones spread over
    them; it runs, and every acknowledged vote is stored (timings are not asserted)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--cluster",
            "2",
            "--participants",
            str(CLUSTER_PHONES),
            "--vote-rate",
            "50",
            "--duration",
            "1",
            "--scenarios",
            "join,storm,projector,slide",
            "--json-only",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("{"), f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(lines[0])
    assert proc.returncode == 0, f"{report.get('errors')}\n{proc.stderr}"
    assert report["ok"] is True
    assert report["config"]["cluster"]["workers"] == 2
    assert set(report["scenarios"]) == {"join", "storm", "projector", "slide"}
    assert report["scenarios"]["join"]["connected"] == CLUSTER_PHONES
    correctness = report["correctness"]
    assert correctness["ok"] is True, correctness
    assert correctness["stored"] == correctness["acknowledged"] == 2 * CLUSTER_PHONES
