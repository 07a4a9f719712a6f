"""The HTTP API against a real server: joining, answering, every 4xx, control and its guards."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from conftest import REPO_ROOT, LiveServer, free_port

JSON = {"content-type": "application/json"}


def client_for(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=10)


def join(http: httpx.Client, code: str) -> str:
    """A new participant (a fresh phone: no cookie from an earlier join)."""
    http.cookies.clear()
    response = http.post(f"/api/sessions/{code}/join")
    assert response.status_code == 201, response.text
    return response.json()["participant"]


def goto(server: LiveServer, http: httpx.Client, question: str) -> dict[str, Any]:
    response = http.post(
        f"/api/sessions/{server.code}/control",
        json={"action": "goto", "question": question},
        headers=server.admin_headers(),
    )
    assert response.status_code == 200, response.text
    return response.json()


def answer(http: httpx.Client, code: str, participant: str, question: str, value: Any):
    return http.post(
        f"/api/sessions/{code}/responses",
        json={"participant": participant, "question": question, "answer": value},
    )


def result_of(server: LiveServer, http: httpx.Client, question: str) -> dict[str, Any]:
    response = http.get(f"/api/sessions/{server.code}/results", headers=server.admin_headers())
    assert response.status_code == 200
    return next(q for q in response.json()["questions"] if q["id"] == question)


def test_health_and_public_session_state(server: LiveServer) -> None:
    with client_for(server) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        state = http.get(f"/api/sessions/{server.code}").json()
        assert state["title"] == "Samenwerking"
        assert state["code"] == server.code
        assert state["slide"]["type"] == "content"
        assert state["voting_open"] is False
        assert "notes" not in state["slide"]
        assert http.get("/api/sessions/000000").status_code == 404


def test_every_question_type_answered_and_tallied(server: LiveServer) -> None:
    with client_for(server) as http:
        people = [join(http, server.code) for _ in range(3)]
        goto(server, http, "rol")
        for person, option in zip(people, ["vdab", "vdab", "wsg"], strict=True):
            assert answer(http, server.code, person, "rol", option).status_code == 201
        goto(server, http, "drijfveren")
        answer(http, server.code, people[0], "drijfveren", ["Vertrouwen", "Tijd"])
        answer(http, server.code, people[1], "drijfveren", "vertrouwen ")
        goto(server, http, "stellingen")
        answer(http, server.code, people[0], "stellingen", {"vertrouwen": 5, "expert": 2})
        answer(http, server.code, people[1], "stellingen", {"vertrouwen": 4})
        goto(server, http, "onthouden")
        answer(http, server.code, people[2], "onthouden", ["Klein beginnen", "Het is nooit af"])

        rol = result_of(server, http, "rol")
        assert rol["responses"] == 3
        assert rol["counts"]["vdab"] == 2 and rol["counts"]["wsg"] == 1
        cloud = result_of(server, http, "drijfveren")
        assert cloud["counts"] == {"vertrouwen": 2, "tijd": 1}
        scales = result_of(server, http, "stellingen")
        assert scales["statements"]["vertrouwen"]["mean"] == 4.5
        assert scales["statements"]["expert"]["count"] == 1
        assert result_of(server, http, "onthouden")["answers"] == [
            "Klein beginnen",
            "Het is nooit af",
        ]


def test_changing_an_answer_counts_once(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "rol")
        first = answer(http, server.code, person, "rol", "vdab")
        second = answer(http, server.code, person, "rol", "vakbond")
        assert first.json()["replaced"] is False
        assert second.json()["replaced"] is True
        rol = result_of(server, http, "rol")
        assert rol["responses"] == 1
        assert rol["counts"]["vdab"] == 0 and rol["counts"]["vakbond"] == 1


def test_rejoin_keeps_identity_and_forged_token_is_refused(server: LiveServer) -> None:
    with client_for(server) as http:
        token = join(http, server.code)
        again = http.post(f"/api/sessions/{server.code}/join", json={"participant": token})
        assert again.status_code == 200 and again.json()["participant"] == token
        forged = token.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAA"
        refused = http.post(f"/api/sessions/{server.code}/join", json={"participant": forged})
        assert refused.status_code == 403
        goto(server, http, "rol")
        vote = answer(http, server.code, forged, "rol", "vdab")
        assert vote.status_code == 403
        assert vote.json()["error"] == "bad_participant"
        assert result_of(server, http, "rol")["responses"] == 0


@pytest.mark.parametrize(
    ("question", "value", "status", "error", "detail"),
    [
        ("rol", "onbekend", 400, "invalid_answer", "unknown option 'onbekend'"),
        ("rol", ["vdab", "wsg"], 400, "invalid_answer", "at most 1"),
        ("stellingen", {"vertrouwen": 9}, 409, "not_live", "not the live question"),
        ("bestaat-niet", "x", 404, "unknown_question", "no question"),
    ],
)
def test_bad_answers_get_a_clear_4xx(
    server: LiveServer, question: str, value: Any, status: int, error: str, detail: str
) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "rol")
        response = answer(http, server.code, person, question, value)
        assert response.status_code == status
        body = response.json()
        assert body["error"] == error
        assert detail in body["detail"]


def test_out_of_range_too_many_and_too_long_answers_are_refused(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "stellingen")
        out_of_range = answer(http, server.code, person, "stellingen", {"vertrouwen": 6})
        assert (
            out_of_range.status_code == 400 and "between 1 and 5" in out_of_range.json()["detail"]
        )
        goto(server, http, "drijfveren")
        too_many = answer(http, server.code, person, "drijfveren", list("abcdef"))
        assert too_many.status_code == 400 and "at most 5" in too_many.json()["detail"]
        too_long = answer(http, server.code, person, "drijfveren", "x" * 41)
        assert too_long.status_code == 400 and "at most 40" in too_long.json()["detail"]
        assert result_of(server, http, "drijfveren")["responses"] == 0


def test_voting_closed_is_409_and_reopening_accepts(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "rol")
        http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "close"},
            headers=server.admin_headers(),
        )
        closed = answer(http, server.code, person, "rol", "vdab")
        assert closed.status_code == 409 and closed.json()["error"] == "voting_closed"
        http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "open"},
            headers=server.admin_headers(),
        )
        assert answer(http, server.code, person, "rol", "vdab").status_code == 201


@pytest.mark.parametrize(
    ("content", "headers", "status", "error"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "invalid_json"),
        (b"[1, 2]", {"content-type": "application/json"}, 400, "invalid_json"),
        (b"", {}, 400, "invalid_json"),
        (b'{"question": "rol", "answer": "vdab"}', JSON, 401, "no_participant"),
        (
            b'{"participant": "x.y", "question": "rol", "answer": "vdab"}',
            JSON,
            403,
            "bad_participant",
        ),
        (b'{"x": "' + b"a" * 20_000 + b'"}', JSON, 413, "too_large"),
        (b'{"question": "rol"}', {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (b'{"question": "rol"}', {}, 415, "unsupported_media_type"),
    ],
)
def test_malformed_requests_get_4xx_json_not_500(
    server: LiveServer, content: bytes, headers: dict[str, str], status: int, error: str
) -> None:
    with client_for(server) as http:
        response = http.post(
            f"/api/sessions/{server.code}/responses", content=content, headers=headers
        )
        assert response.status_code == status, response.text
        assert response.json()["error"] == error


@pytest.mark.parametrize("content", [b"\r\n", b"  "])
def test_a_join_body_of_only_whitespace_is_refused_not_taken_for_no_body(
    server: LiveServer, content: bytes
) -> None:
    with client_for(server) as http:
        response = http.post(f"/api/sessions/{server.code}/join", content=content, headers=JSON)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_json"
        assert http.post(f"/api/sessions/{server.code}/join").status_code == 201


ADMIN_PATHS = [
    ("GET", "/api/sessions", None),
    ("POST", "/api/sessions/{code}/control", {"action": "next"}),
    ("GET", "/api/sessions/{code}/results", None),
    ("DELETE", "/api/sessions/{code}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_PATHS)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic dGVzdA=="])
def test_admin_paths_refuse_without_the_token_and_change_nothing(
    server: LiveServer, method: str, path: str, body: Any, auth: str | None
) -> None:
    with client_for(server) as http:
        before = http.get(f"/api/sessions/{server.code}").json()
        headers = {"Authorization": auth} if auth else {}
        response = http.request(method, path.format(code=server.code), json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        after = http.get(f"/api/sessions/{server.code}")
        assert after.status_code == 200
        assert after.json() == before


def test_control_actions_and_their_errors(server: LiveServer) -> None:
    with client_for(server) as http:
        url = f"/api/sessions/{server.code}/control"
        h = server.admin_headers()
        state = http.post(url, json={"action": "next"}, headers=h).json()
        assert state["position"]["index"] == 1
        assert "presenter" in state and state["presenter"]["slides"][0]["id"] == "titel"
        back = http.post(url, json={"action": "prev"}, headers=h).json()
        assert back["position"]["index"] == 0 and back["version"] > state["version"]
        refused = http.post(url, json={"action": "reveal"}, headers=h)
        assert refused.status_code == 409 and refused.json()["error"] == "not_interactive"
        unknown = http.post(url, json={"action": "goto", "question": "nope"}, headers=h)
        assert unknown.status_code == 404
        assert http.post(url, json={"action": "dance"}, headers=h).status_code == 400
        assert http.post(url, json={}, headers=h).status_code == 400


def test_reveal_and_hide_change_results_visible(server: LiveServer) -> None:
    with client_for(server) as http:
        url = f"/api/sessions/{server.code}/control"
        h = server.admin_headers()
        assert goto(server, http, "rol")["results_visible"] is True
        assert http.post(url, json={"action": "hide"}, headers=h).json()["results_visible"] is False
        assert http.post(url, json={"action": "reveal"}, headers=h).json()["results_visible"]


def test_reset_starts_a_new_round_and_keeps_the_old_answers(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "rol")
        answer(http, server.code, person, "rol", "vdab")
        state = http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "reset"},
            headers=server.admin_headers(),
        ).json()
        assert state["round"] == 2
        assert result_of(server, http, "rol")["responses"] == 0
        assert answer(http, server.code, person, "rol", "wsg").status_code == 201
        rol = result_of(server, http, "rol")
        assert rol["round"] == 2 and rol["counts"]["wsg"] == 1 and rol["counts"]["vdab"] == 0


def test_my_answers_come_back_after_a_reload(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        goto(server, http, "rol")
        answer(http, server.code, person, "rol", "vdab")
        mine = http.get(f"/api/sessions/{server.code}/me", params={"participant": person})
        assert mine.json() == {"answers": {"rol": ["vdab"]}}


def test_qr_code_is_an_svg_of_the_join_url(server: LiveServer) -> None:
    with client_for(server) as http:
        response = http.get(f"/api/sessions/{server.code}/qr.svg")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.lstrip().startswith(("<?xml", "<svg"))
        state = http.get(f"/api/sessions/{server.code}").json()
        assert state["join_url"] == f"{server.base_url}/j/{server.code}"


def test_joins_with_the_qr_key_are_rate_limited_per_address(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_JOIN_RATE": "0.5"})
    with client_for(server) as http:
        key = http.get(
            f"/api/sessions/{server.code}/presenter", headers=server.admin_headers()
        ).json()["presenter"]["join_key"]
        statuses = []
        for _ in range(30):
            http.cookies.clear()
            joined = http.post(f"/api/sessions/{server.code}/join", json={"key": key})
            statuses.append(joined.status_code)
    assert statuses.count(201) == 20  # the burst: 40 seconds' worth
    assert statuses[-1] == 429
    assert int(joined.headers["Retry-After"]) >= 1


def test_restart_on_the_same_data_keeps_the_join_code_and_answers(server_factory) -> None:
    first = server_factory()
    with client_for(first) as http:
        person = join(http, first.code)
        goto(first, http, "rol")
        assert answer(http, first.code, person, "rol", "vdab").status_code == 201
    first.stop()
    second = server_factory(data_dir=first.data_dir)
    assert second.code == first.code
    with client_for(second) as http:
        state = http.get(f"/api/sessions/{second.code}").json()
        assert state["slide"]["id"] == "rol"  # the presenter's place is kept too
        assert result_of(second, http, "rol")["counts"]["vdab"] == 1
        again = http.post(f"/api/sessions/{second.code}/join", json={"participant": person})
        assert again.status_code == 200


def test_generated_admin_token_is_kept_private_in_the_data_folder(tmp_path) -> None:
    """Without RONDVRAAG_ADMIN_TOKEN the server makes one and keeps it 0600; with its output
    going to a log (not a terminal) it says where the token is, never the token."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "RONDVRAAG_ADMIN_TOKEN"}
    log_path = tmp_path / "serve.log"
    command = [sys.executable, "-m", "app", "serve", "questions/samenwerking.yaml"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "d")]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while "Admin token:" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.1)
        token_file = tmp_path / "d" / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        printed = log_path.read_text()
        assert token not in printed
        assert f"kept in {tmp_path / 'd' / 'admin-token'}" in printed
        assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            while time.monotonic() < deadline:  # printed at startup, just before listening
                with contextlib.suppress(httpx.TransportError):
                    if http.get("/healthz").status_code == 200:
                        break
                time.sleep(0.1)
            ok = http.get("/api/sessions", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
            refused = http.get("/api/sessions", headers={"Authorization": "Bearer guess"})
            assert refused.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [
        ("/present/{code}?remote=1", "/present/{code}?remote=1"),
        ("/present/{code}/report", "/present/{code}/report"),
        ("https://evil.example/", "/present/{code}"),
        ("/present/{code}//evil.example", "/present/{code}"),
        ("", "/present/{code}"),
    ],
)
def test_login_sets_an_httponly_cookie_and_returns_only_to_our_pages(
    server: LiveServer, next_path: str, lands_on: str
) -> None:
    with client_for(server) as http:
        response = http.post(
            f"/present/{server.code}/login",
            data={"token": server.token, "next": next_path.format(code=server.code)},
        )
        assert response.status_code == 303
        assert response.headers["location"] == lands_on.format(code=server.code)
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert server.token not in response.headers["location"]


def test_login_with_a_wrong_token_is_refused(server: LiveServer) -> None:
    with client_for(server) as http:
        response = http.post(f"/present/{server.code}/login", data={"token": "guess"})
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        page = http.get(f"/present/{server.code}")
        assert 'name="token"' in page.text  # still the login form


NASTY_BODIES = [
    b'{"participant": "x", "question": "rol", "answer": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"question": ' + b"{" * 3000,
    b"\xff\xfe\x00garbage",
    b'{"participant": null, "question": null, "answer": null}',
    b'{"participant": 12, "question": ["rol"], "answer": {"a": [1, {"b": null}]}}',
    b'"just a string"',
    b"null",
    b'{"participant": "' + b"a." * 3000 + b'", "question": "rol", "answer": "vdab"}',
    b'{"question": "rol", "answer": "\\ud800"}',
]


@pytest.mark.parametrize("body", NASTY_BODIES)
def test_nasty_bodies_never_cause_a_500(server: LiveServer, body: bytes) -> None:
    with client_for(server) as http:
        goto(server, http, "rol")
        for path in ("responses", "join", "control"):
            response = http.post(
                f"/api/sessions/{server.code}/{path}",
                content=body,
                headers={"content-type": "application/json", **server.admin_headers()},
            )
            assert response.status_code < 500, (path, response.status_code, response.text)
            if path != "join":  # a join without a usable token simply gets a new one
                assert 400 <= response.status_code < 500, (path, response.text)
                assert "error" in response.json()
        assert http.get("/healthz").status_code == 200
    assert "Traceback" not in server.log()


def test_answers_are_rate_limited_per_participant_and_nothing_is_lost(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "1"})
    with client_for(server) as http:
        person, other = join(http, server.code), join(http, server.code)
        goto(server, http, "rol")
        statuses = [answer(http, server.code, person, "rol", "vdab").status_code for _ in range(8)]
        assert statuses[:5] == [201] * 5  # a burst of five is fine
        refused = answer(http, server.code, person, "rol", "wsg")
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert refused.headers["retry-after"] == "1"
        assert answer(http, server.code, other, "rol", "wsg").status_code == 201  # others go on
        rol = result_of(server, http, "rol")
        assert rol["counts"]["vdab"] == 1 and rol["counts"]["wsg"] == 1


def test_answer_to_an_unknown_session_is_404(server: LiveServer) -> None:
    with client_for(server) as http:
        person = join(http, server.code)
        response = answer(http, "000000", person, "rol", "vdab")
        assert response.status_code == 404
        assert response.json()["error"] == "unknown_session"


# --- found by schemathesis (tests/test_openapi.py) ---------------------------------------------


def test_non_ascii_keys_tokens_and_login_cookies_are_refused_not_a_500(server: LiveServer) -> None:
    """hmac.compare_digest raises TypeError on non-ASCII text: a join key, a participant
    token or a login cookie with an 'é' in it was a 500 (and a traceback) before."""
    with client_for(server) as http:
        http.cookies.clear()
        joined = http.post(f"/api/sessions/{server.code}/join", json={"key": "ééééé123"})
        assert joined.status_code == 201  # an unknown key joins through the keyless lane
        goto(server, http, "rol")
        http.cookies.clear()
        forged = answer(http, server.code, "P1.sïgnature", "rol", "vdab")
        assert forged.status_code == 403 and forged.json()["error"] == "bad_participant"
        rejoin = http.post(f"/api/sessions/{server.code}/join", json={"participant": "P1.é"})
        assert rejoin.status_code == 403 and rejoin.json()["error"] == "bad_participant"
        mine = http.get(f"/api/sessions/{server.code}/me", params={"participant": "P1.é"})
        assert mine.status_code == 403
        qr = http.get(f"/api/sessions/{server.code}/qr.svg", params={"k": "ééééé123"})
        assert qr.status_code == 200
        cookie = {"cookie": "rondvraag_admin=1.2.sïg".encode()}
        assert http.get("/api/sessions", headers=cookie).status_code == 401
        assert http.get(f"/present/{server.code}", headers=cookie).status_code == 200  # login
    assert "Traceback" not in server.log()


def test_join_refuses_a_token_or_key_that_is_not_text(server: LiveServer) -> None:
    """The document says text; before, a number or a list was silently taken as no token
    (a new participant) or no key."""
    with client_for(server) as http:
        for body in ({"key": 12345678}, {"participant": ["P1.x"]}, {"key": {"k": 1}}):
            http.cookies.clear()
            response = http.post(f"/api/sessions/{server.code}/join", json=body)
            assert response.status_code == 400, body
            assert response.json()["error"] == "invalid_request"
        assert http.post(f"/api/sessions/{server.code}/join", json={"key": None}).status_code == 201


def test_method_not_allowed_names_every_method_of_the_path(server: LiveServer) -> None:
    """A 405's Allow listed only the first route's methods (GET), not DELETE beside it."""
    with client_for(server) as http:
        response = http.request("PUT", f"/api/sessions/{server.code}")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"
        assert response.headers["allow"] == "GET, DELETE"
        assert http.put("/healthz").headers["allow"] == "GET"
