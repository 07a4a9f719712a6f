"""A rehearsal with a full room: simulated answers on the screens, never in the data.

The presenter fills the live question with N simulated participants (`rehearse`) to see the
slide as a full room will see it. Those answers show on the projector, the phones and in
/results (marked `"rehearsal": true`) and nowhere else: not in an export, the report or the
participant count; `end_rehearsal`, moving on and a restart take them away.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import expect_projector_live, login_projector, presenter_for, snap
from conftest import REPO_ROOT, LiveServer, ServerStarter
from playwright.sync_api import Page, expect
from websockets.asyncio.client import ClientConnection, connect

from app.domain.loader import load_deck
from app.domain.slides import Question
from app.domain.slides.qa import QandA
from app.domain.slides.quiz import Quiz
from app.rehearsal import rows

TIMEOUT = 10
DECKS = sorted((REPO_ROOT / "questions").glob("*.yaml")) + sorted(
    (REPO_ROOT / "tests" / "decks").glob("*.yaml")
)
QUESTIONS = [(path.stem, q) for path in DECKS for q in load_deck(path).questions]
REFERENCE = load_deck(REPO_ROOT / "questions" / "samenwerking.yaml")
ONTHOUDEN_EXAMPLES = REFERENCE.question("onthouden").examples  # type: ignore[union-attr]
REAL_ANSWER = "Echt antwoord van een echte deelnemer"


# --- every type simulates answers its own checks accept -----------------------------------


def accepted(question: Question, answer: Any) -> Any:
    """The answer as the type's own checks would store it, made from what a phone sends (or,
    for Q&A, rebuilt through the same ask/moderate/vote steps the requests take)."""
    if isinstance(question, Quiz):
        assert 0 <= answer["ms"] < question.timer_ms
        return question.timed(question.check_answer(answer["options"]), answer["ms"], None)
    if isinstance(question, QandA):
        row = None
        for entry in answer["asked"]:
            text = question.clean_question(entry["text"])
            row = question.ask(row, entry["id"], text, entry["at"])
            if entry["status"] == "shown" and question.moderation:
                row = question.moderate(row, entry["id"], "approve")
        for entry_id in answer["up"]:
            row = question.vote(row, entry_id, True)
        assert len(answer["asked"]) <= question.max_questions
        return row
    return question.check_answer(answer)


@pytest.mark.parametrize(
    "question", [q for _, q in QUESTIONS], ids=[f"{deck}-{q.id}" for deck, q in QUESTIONS]
)
def test_every_type_simulates_answers_its_own_checks_accept(question: Question) -> None:
    answers = question.simulate(random.Random(7), 300)
    assert len(answers) == 300
    for answer in answers:
        assert accepted(question, answer) == answer
    # Seeded: the same room every time; another seed, another room.
    assert question.simulate(random.Random(7), 300) == answers
    assert question.simulate(random.Random(8), 300) != answers
    if isinstance(question, QandA):  # every upvote goes to an entry someone asked
        asked = {e["id"] for a in answers for e in a["asked"]}
        assert asked and all(v in asked for a in answers for v in a["up"])


def test_every_interactive_type_of_the_decks_is_covered() -> None:
    covered = {q.type_name for _, q in QUESTIONS}
    assert covered == {"choice", "wordcloud", "open", "scales", "ranking", "points", "qa", "quiz"}


def test_a_room_is_lopsided_and_a_word_cloud_repeats_its_words() -> None:
    rol = REFERENCE.question("rol")
    assert rol is not None
    picks = Counter(a[0] for a in rol.simulate(random.Random(1), 1000))
    ranked = [n for _, n in picks.most_common()]
    assert ranked[0] >= 3 * ranked[-1], picks  # a favourite, and options hardly anyone picks
    cloud = REFERENCE.question("drijfveren")
    assert cloud is not None
    words = Counter(w for a in cloud.simulate(random.Random(1), 1000) for w in a)
    assert set(words) <= {e.casefold() for e in cloud.examples}  # type: ignore[attr-defined]
    top = words.most_common()
    assert top[0][0] == "betere dienstverlening"  # the deck lists the commonest first
    assert top[0][1] >= 2 * top[4][1] >= 2 * top[-1][1]  # roughly Zipf: 1, 1/2 … 1/5 …
    sizes = Counter(len(a) for a in cloud.simulate(random.Random(1), 1000))
    assert sizes[1] > sizes[2] > sizes[3] and max(sizes) <= 5  # most give one word


def test_without_examples_the_room_types_the_slides_own_words() -> None:
    deck = load_deck(REPO_ROOT / "tests" / "decks" / "qa.yaml")
    qa = deck.question("vragen")
    assert isinstance(qa, QandA) and not qa.examples
    texts = {e["text"] for a in qa.simulate(random.Random(3), 200) for e in a["asked"]}
    own = f"{qa.prompt} {qa.subtitle}".casefold()
    assert len(texts) > 3 and all(text in own for text in texts)


# --- the server: on every screen, in no export ---------------------------------------------


class Screen:
    """A projector's or phone's socket, with its results put back together from the changes
    the server sends (as app/static/live.js does): the result the screen shows."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.result: dict[str, Any] | None = None

    async def showing(self, where) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            while True:
                message = json.loads(await self.ws.recv())
                if message.get("type") != "results" or message.get("result") is None:
                    continue
                result = dict(message["result"])
                if "base" in message:
                    assert self.result is not None
                    field, old = message["changes"], self.result[message["changes"]]
                    whole: list[Any] = []
                    for change in result[field]:
                        whole.extend(
                            old[change[0] : change[1]] if isinstance(change, list) else [change]
                        )
                    result[field] = whole
                self.result = result
                if where(result):
                    return result


async def post_control(http: httpx.AsyncClient, server: LiveServer, **body: Any) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )


async def results_of(http: httpx.AsyncClient, server: LiveServer, qid: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/sessions/{server.code}/results", headers=server.admin_headers()
    )
    assert response.status_code == 200, response.text
    return next(q for q in response.json()["questions"] if q["id"] == qid)


async def one_real_answer(http: httpx.AsyncClient, server: LiveServer) -> None:
    joined = await http.post(f"/api/sessions/{server.code}/join")
    assert joined.status_code == 201
    sent = await http.post(
        f"/api/sessions/{server.code}/responses",
        json={
            "participant": joined.json()["participant"],
            "question": "onthouden",
            "answer": [REAL_ANSWER],
        },
    )
    assert sent.status_code == 201, sent.text


async def test_rehearsal_shows_on_every_screen_and_in_no_export_or_count(
    server: LiveServer,
) -> None:
    api = f"/api/sessions/{server.code}"
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as http:
        assert (await post_control(http, server, action="goto", question="onthouden")).is_success
        await one_real_answer(http, server)
        async with (
            connect(
                f"{server.ws_url}/ws/sessions/{server.code}/presenter",
                additional_headers=server.admin_headers(),
            ) as projector,
            connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone,
        ):
            screens = (Screen(projector), Screen(phone))
            await screens[0].showing(lambda r: r["responses"] == 1)
            started = await post_control(http, server, action="rehearse", participants=250)
            assert started.status_code == 200, started.text
            assert started.json()["presenter"]["rehearsal"] == {
                "question": "onthouden",
                "participants": 250,
            }
            for screen in screens:
                result = await screen.showing(lambda r: r["responses"] > 1)
                assert result["responses"] == 251
                assert result["rehearsal"] is True
                assert REAL_ANSWER in result["answers"]  # the real one is on the wall too
                assert set(result["answers"]) - {REAL_ANSWER} <= set(ONTHOUDEN_EXAMPLES)
            full = await results_of(http, server, "onthouden")
            assert full["responses"] == 251 and full["rehearsal"] is True
            assert len(full["answers"]) == 1 + sum(len(a) for _, _, a in rows_of(250))

            # Nowhere in the data: exports, the report, the participant count.
            view = (await http.get(f"{api}/presenter", headers=server.admin_headers())).json()
            assert view["presenter"]["participants"] == 1
            exported = (await http.get(f"{api}/export.json", headers=server.admin_headers())).json()
            assert exported["session"]["participants"] == 1
            assert [r["answer"] for r in exported["responses"]] == [[REAL_ANSWER]]
            tallies = [r for r in exported["results"] if r["id"] == "onthouden"]
            assert [(r["responses"], r["answers"]) for r in tallies] == [(1, [REAL_ANSWER])]
            assert "rehearsal" not in json.dumps([exported["results"], exported["responses"]])
            for view_name in ("answers", "summary"):
                text = (
                    await http.get(
                        f"{api}/export.csv?view={view_name}", headers=server.admin_headers()
                    )
                ).text
                table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
                assert any(REAL_ANSWER in row for row in table)
                assert not any(example in text for example in ONTHOUDEN_EXAMPLES)
            report = (
                await http.get(f"/present/{server.code}/report", headers=server.admin_headers())
            ).text
            assert REAL_ANSWER in report
            assert not any(example in report for example in ONTHOUDEN_EXAMPLES)

            ended = await post_control(http, server, action="end_rehearsal")
            assert ended.status_code == 200 and ended.json()["presenter"]["rehearsal"] is None
            for screen in screens:
                back = await screen.showing(lambda r: r["responses"] == 1)
                assert "rehearsal" not in back
                assert back["answers"] == [REAL_ANSWER]
            after = await results_of(http, server, "onthouden")
            assert after["responses"] == 1 and "rehearsal" not in after


def rows_of(participants: int) -> list[tuple[str, int, Any]]:
    question = REFERENCE.question("onthouden")
    assert question is not None
    return rows(question, participants)


async def test_moving_on_and_a_new_round_end_the_rehearsal(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as http:
        await post_control(http, server, action="goto", question="rol")
        started = await post_control(http, server, action="rehearse", participants=40)
        assert started.status_code == 200
        rol = await results_of(http, server, "rol")
        assert rol["responses"] == 40 and sum(rol["counts"].values()) == 40
        moved = await post_control(http, server, action="next")
        assert moved.json()["presenter"]["rehearsal"] is None
        await post_control(http, server, action="prev")
        assert (await results_of(http, server, "rol"))["responses"] == 0
        await post_control(http, server, action="rehearse", participants=40)
        reset = await post_control(http, server, action="reset")
        assert reset.json()["presenter"]["rehearsal"] is None
        assert (await results_of(http, server, "rol"))["responses"] == 0


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"action": "rehearse"}, 400, "invalid_participants"),
        ({"action": "rehearse", "participants": 0}, 400, "invalid_participants"),
        ({"action": "rehearse", "participants": 5001}, 400, "invalid_participants"),
        ({"action": "rehearse", "participants": "200"}, 400, "invalid_participants"),
        ({"action": "rehearse", "participants": True}, 400, "invalid_participants"),
        ({"action": "rehearse", "participants": 2.5}, 400, "invalid_participants"),
        ({"action": "next", "participants": -1}, 400, "invalid_participants"),
    ],
)
async def test_a_bad_number_of_participants_is_a_clear_400(
    server: LiveServer, body: dict[str, Any], status: int, error: str
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as http:
        await post_control(http, server, action="goto", question="rol")
        response = await post_control(http, server, **body)
        assert response.status_code == status
        assert response.json()["error"] == error
        assert response.json()["detail"] == "'participants' must be a whole number from 1 to 5000"


async def test_only_a_presenter_rehearses_and_only_a_question(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as http:
        anonymous = await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "rehearse", "participants": 10},
        )
        assert anonymous.status_code == 401
        on_content = await post_control(http, server, action="rehearse", participants=10)
        assert on_content.status_code == 409
        assert on_content.json()["error"] == "not_interactive"


async def test_a_restart_ends_the_rehearsal(server_factory: ServerStarter) -> None:
    first = server_factory()
    async with httpx.AsyncClient(base_url=first.base_url, timeout=TIMEOUT) as http:
        await post_control(http, first, action="goto", question="drijfveren")
        assert (await post_control(http, first, action="rehearse", participants=120)).is_success
        assert (await results_of(http, first, "drijfveren"))["responses"] == 120
    first.stop()
    again = server_factory(data_dir=first.data_dir)
    assert again.code == first.code
    async with httpx.AsyncClient(base_url=again.base_url, timeout=TIMEOUT) as http:
        view = (
            await http.get(f"/api/sessions/{again.code}/presenter", headers=again.admin_headers())
        ).json()
        assert view["slide"]["id"] == "drijfveren"  # the talk resumes where it was
        assert view["presenter"]["rehearsal"] is None
        cloud = await results_of(http, again, "drijfveren")
        assert cloud["responses"] == 0 and cloud["counts"] == {} and "rehearsal" not in cloud


# --- what the presenter sees ----------------------------------------------------------------


def _rehearse_on_projector(page: Page, server: LiveServer, question: str, shots: Path) -> None:
    with presenter_for(server) as remote:
        remote.goto(question)
        response = remote.client.post(
            f"{remote.api}/control", json={"action": "rehearse", "participants": 200}
        )
        assert response.status_code == 200, response.text
    badge = page.locator("#rehearsal-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text(re.compile(r"Repetitie · 200"))
    expect(page.locator("#st-responses")).to_have_text("200 antwoorden")


def test_projector_shows_a_rehearsed_cloud_and_wall_at_both_sizes(
    server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "rehearsal"
    shots.mkdir(exist_ok=True)
    page = projector_page
    login_projector(page, server)
    expect_projector_live(page)

    _rehearse_on_projector(page, server, "drijfveren", shots)
    cloud = page.locator(".cloud-word", has_text="betere dienstverlening")
    expect(cloud).to_be_visible()
    for width, height in ((1920, 1080), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # the cloud lays itself out again after a resize
        expect(cloud).to_be_in_viewport()
        expect(page.locator("#rehearsal-badge")).to_be_in_viewport()
        snap(page, shots / f"drijfveren-{width}x{height}.png")

    page.set_viewport_size({"width": 1920, "height": 1080})
    _rehearse_on_projector(page, server, "onthouden", shots)
    expect(page.locator(".wall-card").first).to_be_visible()
    for width, height in ((1920, 1080), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        expect(page.locator("#rehearsal-badge")).to_be_in_viewport()
        snap(page, shots / f"onthouden-{width}x{height}.png")

    page.keyboard.press("r")  # R again: the rehearsal ends, the badge and the answers go
    expect(page.locator("#rehearsal-badge")).to_be_hidden()
    expect(page.locator("#st-responses")).to_have_text("0 antwoorden")


def test_the_remote_has_a_rehearsal_button(
    server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    page = projector_page
    page.set_viewport_size({"width": 360, "height": 740})
    login_projector(page, server)
    expect_projector_live(page)
    page.goto(f"{server.base_url}/present/{server.code}?remote=1")
    expect_projector_live(page)
    with presenter_for(server) as remote:
        remote.goto("rol")
    page.locator("#ctl-more > summary").click()
    button = page.locator('[data-action="rehearse"]')
    expect(button).to_have_text(re.compile("Repetitie met 200 deelnemers"))
    button.click()
    expect(page.locator("#rehearsal-badge")).to_be_visible()
    expect(page.locator("#st-responses")).to_have_text("200 antwoorden")
    snap(page, artifacts_dir / "rehearsal" / "remote-360.png")
    page.locator("#ctl-more > summary").click()
    expect(button).to_have_text(re.compile("Repetitie stoppen"))
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()
    expect(page.locator("#rehearsal-badge")).to_be_hidden()
    expect(page.locator("#st-responses")).to_have_text("0 antwoorden")


def test_the_rehearsal_bench_prints_a_line_per_question_and_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.rehearsal", "--participants", "20", "50"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 1 + 2 * len(QUESTIONS)
    assert {line.split()[1] for line in lines[1:]} == {q.type_name for _, q in QUESTIONS}


# --- a cluster: two workers on one PostgreSQL and one Redis ------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
async def test_in_a_cluster_a_rehearsal_started_on_one_worker_shows_on_the_other(
    pg_url: str, redis_url: str, server_factory: ServerStarter
) -> None:
    """The rehearsal lives in the shared state and the shared live tally, never in the
    database: started on worker A, worker B's projector and /results count it, B's exports
    and participant count do not, and `end_rehearsal` on B takes it off A too."""
    from cluster_helpers import Screen, control, join, join_key, recount

    args = ["--database", pg_url, "--redis", redis_url]
    a, b = (server_factory(args=args) for _ in range(2))
    async with httpx.AsyncClient(timeout=TIMEOUT) as http, Screen(b) as projector:
        await control(a, http, action="goto", question="rol")
        token = await join(b, http, await join_key(a, http))
        sent = await http.post(
            f"{b.base_url}/api/sessions/{b.code}/responses",
            json={"participant": token, "question": "rol", "answer": "vdab"},
        )
        assert sent.status_code == 201, sent.text
        started = await control(a, http, action="rehearse", participants=300)
        assert started["presenter"]["rehearsal"] == {"question": "rol", "participants": 300}

        await projector.until(
            lambda s: bool(s.result) and s.result.get("responses") == 301, "the rehearsed room"
        )
        assert projector.result is not None and projector.result["rehearsal"] is True
        simulated = Counter(rows_counts(300))  # the same seeded room every worker draws
        counts = projector.result["counts"]
        assert Counter({k: v for k, v in counts.items() if v}) == simulated + Counter(vdab=1)
        for worker in (a, b):
            result = await recount(worker, http, "rol")
            assert (result["responses"], result["rehearsal"]) == (301, True), worker
        view = await http.get(
            f"{b.base_url}/api/sessions/{b.code}/presenter", headers=b.admin_headers()
        )
        assert view.json()["presenter"]["participants"] == 1
        exported = await http.get(
            f"{b.base_url}/api/sessions/{b.code}/export.json", headers=b.admin_headers()
        )
        assert [r["answer"] for r in exported.json()["responses"]] == [["vdab"]]

        await control(b, http, action="end_rehearsal")
        await projector.until(
            lambda s: bool(s.result) and s.result.get("responses") == 1, "the real room again"
        )
        for worker in (a, b):
            result = await recount(worker, http, "rol")
            assert result["responses"] == 1 and "rehearsal" not in result, worker


def rows_counts(participants: int) -> dict[str, int]:
    """What the seeded rehearsal of `rol` picks, option by option."""
    question = REFERENCE.question("rol")
    assert question is not None
    picked: Counter[str] = Counter()
    for _, _, answer in rows(question, participants):
        picked.update(answer if isinstance(answer, list) else [answer])
    return dict(picked)
