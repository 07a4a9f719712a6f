"""Results by group with honest statistics (issue 11): `GET /results?by=rol` splits every
question by what each participant answered on `rol`, hides groups under `min_group`, and every
share and scale mean carries its 95 % interval."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.domain import segments, stats
from app.domain.errors import DeckError
from app.domain.loader import load_deck, parse_deck

REPO = Path(__file__).resolve().parent.parent
DECK = load_deck(REPO / "questions" / "samenwerking.yaml")

# Who is in the room, and how each group rates "vertrouwen" (1..5).
ROOM = {
    "lokaal-bestuur": [5, 5, 4, 4, 4, 5, 3, 4, 5, 4, 4, 5],
    "vakbond": [2, 3, 2, 1, 3, 2, 2, 3],
    "vdab": [4, 4, 5],  # three people: never shown apart
    None: [3, 4, 3, 2, 4, 3, 3],  # did not say who they are
}


def fill(server, http: httpx.Client) -> None:
    admin = server.admin_headers()
    api = f"/api/sessions/{server.code}"
    key = http.get(f"{api}/presenter", headers=admin).json()["presenter"]["join_key"]
    people = []
    for role, ratings in ROOM.items():
        for rating in ratings:
            http.cookies.clear()
            joined = http.post(f"{api}/join", json={"key": key})
            assert joined.status_code == 201
            people.append((joined.json()["participant"], role, rating))
    for question, answer_of in [
        ("rol", lambda role, rating: role),
        ("stellingen", lambda role, rating: {"vertrouwen": rating}),
    ]:
        moved = http.post(
            f"{api}/control", json={"action": "goto", "question": question}, headers=admin
        )
        assert moved.status_code == 200
        for token, role, rating in people:
            answer = answer_of(role, rating)
            if answer is None:
                continue
            body = {"participant": token, "question": question, "answer": answer}
            assert http.post(f"{api}/responses", json=body).status_code == 201


def test_results_split_by_role_hide_small_groups_and_carry_intervals(server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        fill(server, http)
        whole = http.get(f"/api/sessions/{server.code}/results", headers=server.admin_headers())
        split = http.get(
            f"/api/sessions/{server.code}/results?by=rol", headers=server.admin_headers()
        )
    assert whole.status_code == 200 and split.status_code == 200
    rol = {q["id"]: q for q in whole.json()["questions"]}["rol"]
    assert rol["responses"] == 23
    assert rol["ci"]["lokaal-bestuur"] == pytest.approx(list(stats.wilson(12, 23)), abs=1e-4)
    assert "segments" not in rol

    questions = {q["id"]: q for q in split.json()["questions"]}
    trust = questions["stellingen"]
    assert trust["segments_by"] == "rol"
    groups = trust["segments"]
    assert set(groups) == {o.id for o in DECK.question("rol").options} | {"_none"}
    local = groups["lokaal-bestuur"]["statements"]["vertrouwen"]
    union = groups["vakbond"]["statements"]["vertrouwen"]
    assert groups["lokaal-bestuur"]["responses"] == 12 and local["count"] == 12
    assert local["mean"] == pytest.approx(sum(ROOM["lokaal-bestuur"]) / 12, abs=0.01)
    assert union["mean"] == pytest.approx(2.25, abs=0.01)
    assert local["ci"] == pytest.approx(
        list(stats.mean_interval([float(v) for v in ROOM["lokaal-bestuur"]])), abs=1e-4
    )
    assert (union["median"], union["q1"], union["q3"]) == (2.0, 2.0, 3.0)
    assert not stats.overlap(tuple(local["ci"]), tuple(union["ci"]))  # a real difference
    assert groups["_none"]["responses"] == 7
    # Three VDAB people and empty groups: nothing about them, not even how many.
    assert groups["vdab"] == {"suppressed": True}
    assert groups["werkgevers"] == {"suppressed": True}
    # The splitting question split by itself: each group answered its own option.
    assert questions["rol"]["segments"]["vakbond"]["counts"]["vakbond"] == 8


@pytest.mark.parametrize("by", ["drijfveren", "bestaat-niet"])
def test_splitting_by_anything_but_a_choice_question_is_refused(server, by: str) -> None:
    answer = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/results?by={by}",
        headers=server.admin_headers(),
        timeout=10,
    )
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_question"


def test_the_deck_sets_the_smallest_group_shown() -> None:
    text = "title: T\nprivacy:\n  min_group: 3\nslides:\n  - type: join\n"
    assert parse_deck(text, filename="deck.yaml").min_group == 3
    assert DECK.min_group == 5
    for broken, line in [("  min_group: 0\n", 3), ("  min_grup: 3\n", 3)]:
        with pytest.raises(DeckError) as caught:
            parse_deck(f"title: T\nprivacy:\n{broken}slides:\n  - type: join\n", filename="d")
        assert caught.value.problems[0].line == line


def test_a_group_at_the_threshold_is_shown_and_one_below_is_not() -> None:
    question = DECK.question("stellingen")
    rows = [(f"p{i}", i, {"vertrouwen": 4}) for i in range(5)]
    groups = {f"p{i}": ["vdab"] for i in range(5)} | {"p4": ["vakbond"]}
    split = segments.split(question, rows, groups, ["vdab", "vakbond"], min_group=4)
    assert split["vdab"]["responses"] == 4
    assert split["vakbond"] == {"suppressed": True}
    assert split["_none"] == {"suppressed": True}


def test_every_round_of_a_question_after_a_new_round(server) -> None:
    admin = server.admin_headers()
    api = f"/api/sessions/{server.code}"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        assert (
            http.post(
                f"{api}/control", json={"action": "goto", "question": "rol"}, headers=admin
            ).status_code
            == 200
        )
        tokens = []
        for role in ["vdab", "vdab", "vakbond"]:
            http.cookies.clear()
            tokens.append(http.post(f"{api}/join").json()["participant"])
            body = {"participant": tokens[-1], "question": "rol", "answer": role}
            assert http.post(f"{api}/responses", json=body).status_code == 201
        assert (
            http.post(f"{api}/control", json={"action": "reset"}, headers=admin).status_code == 200
        )
        body = {"participant": tokens[0], "question": "rol", "answer": "vakbond"}
        assert http.post(f"{api}/responses", json=body).status_code == 201
        rounds = http.get(f"{api}/results?rounds=all", headers=admin)
        bad = http.get(f"{api}/results?rounds=some", headers=admin)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    rol = {q["id"]: q for q in rounds.json()["questions"]}["rol"]
    assert rol["round"] == 2 and rol["responses"] == 1
    assert [r["round"] for r in rol["rounds"]] == [1, 2]
    assert rol["rounds"][0]["counts"]["vdab"] == 2 and rol["rounds"][0]["responses"] == 3
    assert rol["rounds"][1]["counts"] == rol["counts"]
