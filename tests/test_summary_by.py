"""The summary CSV split by group (`?view=summary&by=QID`, issue 11): a block of rows per
option of the choice question, and `_none`; a group with fewer respondents than the deck's
`min_group` (5 by default) is one row that says so, with no count and no size."""

from __future__ import annotations

import csv
import io

import httpx
from conftest import LiveServer
from test_live_views import joined


async def answer(http: httpx.AsyncClient, server: LiveServer, token: str, q: str, a) -> None:
    body = {"participant": token, "question": q, "answer": a}
    assert (await http.post(f"/api/sessions/{server.code}/responses", json=body)).is_success


async def control(http: httpx.AsyncClient, server: LiveServer, **body: str) -> None:
    response = await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )
    assert response.is_success, response.text


async def test_a_group_of_five_is_shown_and_a_group_of_four_suppressed(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 10)
        vdab, union, nobody = tokens[:5], tokens[5:9], tokens[9]
        await control(http, server, action="goto", question="rol")
        for token in vdab:
            await answer(http, server, token, "rol", "vdab")
        for token in union:
            await answer(http, server, token, "rol", "vakbond")
        await control(http, server, action="goto", question="stellingen")
        for i, token in enumerate([*vdab, *union, nobody]):
            await answer(http, server, token, "stellingen", {"vertrouwen": 5 if i < 5 else 2})

        url = f"/api/sessions/{server.code}/export.csv?view=summary&by=rol"
        response = await http.get(url, headers=server.admin_headers())
        assert response.status_code == 200, response.text
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        trust = [r for r in rows if r["question_id"] == "stellingen" and r["item"] == "vertrouwen"]
        shown = [r for r in trust if r["group"] == "vdab"]
        assert len(shown) == 1 and (shown[0]["responses"], shown[0]["mean"]) == ("5", "5")
        assert all(r["group_by"] == "rol" for r in rows)

        blocks = {r["group"]: r for r in rows if r["question_id"] == "stellingen"}
        for small in ("vakbond", "_none", "werkgevers"):
            row = blocks[small]
            assert row["label"] == "suppressed: fewer than 5 in this group"
            assert row["responses"] == row["count"] == row["mean"] == row["percent"] == ""
        # The four union members' answers (2) are nowhere in the file, not even as a mean.
        assert not any(r["mean"] == "2" for r in rows)
        # The per-answer CSV keeps every row: the organiser owns the data.
        full = await http.get(
            f"/api/sessions/{server.code}/export.csv", headers=server.admin_headers()
        )
        answers = list(csv.DictReader(io.StringIO(full.content.decode("utf-8-sig"))))
        assert sum(r["question_id"] == "stellingen" for r in answers) == 10


async def test_by_needs_a_choice_question_and_the_summary(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        base = f"/api/sessions/{server.code}/export.csv"
        headers = server.admin_headers()
        wrong = await http.get(f"{base}?view=summary&by=drijfveren", headers=headers)
        assert wrong.status_code == 404 and wrong.json()["error"] == "unknown_question"
        answers = await http.get(f"{base}?view=answers&by=rol", headers=headers)
        assert answers.status_code == 400 and answers.json()["error"] == "invalid_request"
        nobody = await http.get(f"{base}?view=summary&by=rol")
        assert nobody.status_code == 401
