"""Data care (GDPR): nothing about the device is stored, deletion really removes answers from the
database files, and a presenter's reset keeps the earlier round instead of destroying it."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from conftest import REPO_ROOT, LiveServer

SECRET_TEXT = "Vertrouwelijk-Antwoord-ë-93127"
SECRET_WORD = "geheimwoord93127"
CANARY_AGENT = "Canary-Agent/7.3 (Rondvraag privacy test; Pixel 9)"
CANARY_ADDRESS = "203.0.113.77"


def db_path(data_dir: Path) -> Path:
    return data_dir / "rondvraag.sqlite3"


def file_bytes(data_dir: Path) -> bytes:
    """The database file and its WAL and shared-memory files as they are on disk now."""
    base = db_path(data_dir)
    return b"".join(p.read_bytes() for p in sorted(base.parent.glob(base.name + "*")))


def rows_of(data_dir: Path, code: str) -> dict[str, int]:
    """How many rows of a session each table holds, read straight from the file."""
    with closing(sqlite3.connect(f"file:{db_path(data_dir)}?mode=ro", uri=True)) as conn:
        return {
            "sessions": conn.execute(
                "SELECT COUNT(*) FROM sessions WHERE code = ?", (code,)
            ).fetchone()[0],
            "participants": conn.execute(
                "SELECT COUNT(*) FROM participants WHERE session = ?", (code,)
            ).fetchone()[0],
            "responses": conn.execute(
                "SELECT COUNT(*) FROM responses WHERE session = ?", (code,)
            ).fetchone()[0],
        }


def run_answers(
    server: LiveServer,
    plan: dict[str, list[Any]],
    headers: dict[str, str] | None = None,
) -> list[str]:
    """One phone per answer in each list position; returns the participant tokens."""
    people: list[str] = []
    with httpx.Client(base_url=server.base_url, timeout=10, headers=headers) as http:
        size = max(len(answers) for answers in plan.values())
        for _ in range(size):
            http.cookies.clear()
            response = http.post(f"/api/sessions/{server.code}/join")
            assert response.status_code == 201, response.text
            people.append(response.json()["participant"])
        for question, answers in plan.items():
            response = http.post(
                f"/api/sessions/{server.code}/control",
                json={"action": "goto", "question": question},
                headers=server.admin_headers(),
            )
            assert response.status_code == 200, response.text
            if not response.json()["voting_open"]:  # a deck may open a question by hand
                opened = http.post(
                    f"/api/sessions/{server.code}/control",
                    json={"action": "open"},
                    headers=server.admin_headers(),
                )
                assert opened.status_code == 200, opened.text
            for person, value in zip(people, answers, strict=False):
                body = {"participant": person, "question": question, "answer": value}
                response = http.post(f"/api/sessions/{server.code}/responses", json=body)
                assert response.status_code == 201, response.text
    return people


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- no device data ----------------------------------------------------------------------------


def test_no_ip_address_or_user_agent_is_stored(server: LiveServer) -> None:
    headers = {
        "User-Agent": CANARY_AGENT,
        "X-Forwarded-For": CANARY_ADDRESS,
        "X-Real-IP": CANARY_ADDRESS,
        "Forwarded": f"for={CANARY_ADDRESS}",
    }
    run_answers(server, {"rol": ["vdab", "wsg"], "onthouden": [SECRET_TEXT]}, headers=headers)

    stored = file_bytes(server.data_dir)
    assert SECRET_TEXT.encode() in stored  # the answers are there, so the scan can see
    for needle in (CANARY_AGENT, "Canary-Agent", CANARY_ADDRESS, "127.0.0.1"):
        assert needle.encode() not in stored, f"{needle!r} is stored in the database"
    with closing(sqlite3.connect(f"file:{db_path(server.data_dir)}?mode=ro", uri=True)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {
            f"{table}.{row[1]}"
            for table in tables
            for row in conn.execute(f"PRAGMA table_info({table})")
        }
    device = re.compile(r"(^|[._])(ip|ip_?address|addr|address|user_?agent|agent|host|remote)($|_)")
    suspicious = [c for c in columns if device.search(c.lower())]
    assert suspicious == [], f"columns that look like device data: {suspicious}"


# --- deletion ----------------------------------------------------------------------------------


def test_delete_over_http_removes_every_row_and_byte_of_the_session(server: LiveServer) -> None:
    run_answers(
        server,
        {
            "rol": ["vdab", "vakbond"],
            "drijfveren": [[SECRET_WORD, "tijd"]],
            "onthouden": [SECRET_TEXT, "iets anders"],
        },
    )
    assert rows_of(server.data_dir, server.code) == {
        "sessions": 1,
        "participants": 2,
        "responses": 5,
    }
    before = file_bytes(server.data_dir)
    assert SECRET_TEXT.encode() in before and SECRET_WORD.encode() in before

    url = f"/api/sessions/{server.code}"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        refused = http.delete(url)
        assert refused.status_code == 401
        assert rows_of(server.data_dir, server.code)["responses"] == 5

        deleted = http.delete(url, headers=server.admin_headers())
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"deleted": server.code}

        assert http.get(url).status_code == 404
        export = http.get(f"{url}/export.csv", headers=server.admin_headers())
        assert export.status_code == 404
        report = http.get(f"/present/{server.code}/report", headers=server.admin_headers())
        assert report.status_code == 404 and SECRET_TEXT not in report.text
        assert http.delete(url, headers=server.admin_headers()).status_code == 404

    assert rows_of(server.data_dir, server.code) == {
        "sessions": 0,
        "participants": 0,
        "responses": 0,
    }
    after = file_bytes(server.data_dir)  # the server still runs: WAL and all
    assert SECRET_TEXT.encode() not in after
    assert SECRET_WORD.encode() not in after


def test_cli_delete_removes_one_session_and_keeps_the_others(
    server_factory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    dutch = server_factory(data_dir=data_dir)
    run_answers(dutch, {"onthouden": [SECRET_TEXT, "Klein beginnen"]})
    dutch.stop()
    english = server_factory(deck="questions/example-en.yaml", data_dir=data_dir)
    run_answers(english, {"try-next": ["Keep-This-Answer-5521"], "went-well": ["ci"]})
    english.stop()
    assert english.code != dutch.code

    missing = run_cli("delete", "--data", str(data_dir), "999999")
    assert missing.returncode == 1
    assert "no session '999999'" in missing.stderr and dutch.code in missing.stderr
    assert rows_of(data_dir, dutch.code)["responses"] == 2

    done = run_cli("delete", "--data", str(data_dir), dutch.code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"deleted session {dutch.code} (Samenwerking): 2 responses, 2 participants"
    )
    assert rows_of(data_dir, dutch.code) == {"sessions": 0, "participants": 0, "responses": 0}
    assert rows_of(data_dir, english.code) == {"sessions": 1, "participants": 1, "responses": 2}
    stored = file_bytes(data_dir)
    assert SECRET_TEXT.encode() not in stored
    assert b"Keep-This-Answer-5521" in stored

    again = run_cli("export", "--data", str(data_dir), dutch.code)
    assert again.returncode == 1 and "no session" in again.stderr
    nowhere = run_cli("delete", "--data", str(tmp_path / "elsewhere"), dutch.code)
    assert nowhere.returncode == 1 and "no Rondvraag database" in nowhere.stderr


# --- reset keeps the earlier round ---------------------------------------------------------------


def test_reset_starts_a_new_round_and_every_export_keeps_the_old_one(server: LiveServer) -> None:
    first, _second = run_answers(server, {"rol": ["vdab", "vakbond"]})
    admin = server.admin_headers()
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        state = http.post(
            f"/api/sessions/{server.code}/control", json={"action": "reset"}, headers=admin
        )
        assert state.status_code == 200 and state.json()["round"] == 2
        results = http.get(f"/api/sessions/{server.code}/results", headers=admin).json()
        rol = next(q for q in results["questions"] if q["id"] == "rol")
        assert (rol["round"], rol["responses"]) == (2, 0)

        again = http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": first, "question": "rol", "answer": "wsg"},
        )
        assert again.status_code == 201 and again.json()["replaced"] is False

        body = http.get(f"/api/sessions/{server.code}/export.csv", headers=admin).content
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert [(r["round"], r["item"], r["participant"]) for r in rows] == [
            ("1", "vdab", "P0001"),
            ("1", "vakbond", "P0002"),
            ("2", "wsg", "P0001"),
        ]

        doc = json.loads(
            http.get(f"/api/sessions/{server.code}/export.json", headers=admin).content
        )
        assert doc["session"]["rounds"]["rol"] == 2
        current = next(r for r in doc["results"] if r["id"] == "rol")
        assert (current["round"], current["responses"], current["counts"]["wsg"]) == (2, 1, 1)
        assert [(r["id"], r["round"], r["responses"]) for r in doc["earlier_results"]] == [
            ("rol", 1, 2)
        ]

        summary = http.get(
            f"/api/sessions/{server.code}/export.csv?view=summary", headers=admin
        ).content
        srows = list(csv.DictReader(io.StringIO(summary.decode("utf-8-sig"), newline="")))
        counted = {
            (r["round"], r["item"]): r["count"]
            for r in srows
            if r["question_id"] == "rol" and r["count"] != "0"
        }
        assert counted == {("1", "vdab"): "1", ("1", "vakbond"): "1", ("2", "wsg"): "1"}

        report = http.get(f"/present/{server.code}/report", headers=admin).text
        assert "ronde 2 (eerdere rondes staan in de export)" in report
