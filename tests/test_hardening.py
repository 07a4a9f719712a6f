"""What an adversarial test of the live server found, each against a real server.

Past sessions close, deleting a served session closes it for real, cookie-riding requests
from other pages are refused, guessing is limited without locking out the presenter, the
data files are private, idle and slow connections cannot pile up.
"""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import time

import httpx
import pytest
from conftest import REPO_ROOT, LiveServer
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.auth import AdminSessions

JSON = {"content-type": "application/json"}


def join(http: httpx.Client, code: str, **body: object) -> httpx.Response:
    http.cookies.clear()
    return http.post(f"/api/sessions/{code}/join", json=body)


def vote(http: httpx.Client, code: str, token: str, question: str, value: object):
    return http.post(
        f"/api/sessions/{code}/responses",
        json={"participant": token, "question": question, "answer": value},
    )


def control(server: LiveServer, http: httpx.Client, action: str, **extra: object):
    return http.post(
        f"/api/sessions/{server.code}/control",
        json={"action": action, **extra},
        headers=server.admin_headers(),
    )


def presenter_view(server: LiveServer, http: httpx.Client) -> dict:
    response = http.get(f"/api/sessions/{server.code}/presenter", headers=server.admin_headers())
    assert response.status_code == 200, response.text
    return response.json()["presenter"]


def with_cookie(url: str, cookie: str) -> httpx.Response:
    with httpx.Client(cookies={"rondvraag_admin": cookie}) as http:
        return http.get(url)


def login_cookie(server: LiveServer) -> str:
    with httpx.Client(base_url=server.base_url) as http:
        response = http.post(
            f"/present/{server.code}/login",
            data={"token": server.token},
            headers={"Origin": server.base_url},
        )
    assert response.status_code == 303, response.text
    return response.cookies["rondvraag_admin"]


# --- 3. past sessions never close --------------------------------------------------------------


def test_a_session_of_an_earlier_deck_takes_no_joins_or_answers(server_factory) -> None:
    old = server_factory("questions/example-en.yaml")
    with httpx.Client(base_url=old.base_url) as http:
        person = join(http, old.code).json()["participant"]
        state = http.get(f"/api/sessions/{old.code}").json()
        live = state["slide"]["id"]
    old.stop()
    new = server_factory("questions/samenwerking.yaml", data_dir=old.data_dir)
    assert new.code != old.code
    with httpx.Client(base_url=new.base_url) as http:
        assert join(http, old.code).status_code == 404
        refused = vote(http, old.code, person, live, "x")
        assert refused.status_code == 404 and refused.json()["error"] == "unknown_session"
        assert http.get(f"/api/sessions/{old.code}").status_code == 404
        assert http.get(f"/j/{old.code}").status_code == 404
        # The organiser still has the old session's data, read-only.
        export = http.get(f"/api/sessions/{old.code}/export.json", headers=new.admin_headers())
        assert export.status_code == 200
        listed = http.get("/api/sessions", headers=new.admin_headers()).json()["sessions"]
        assert {s["code"] for s in listed} == {old.code, new.code}


def test_ending_a_session_makes_it_read_only_and_the_next_serve_starts_anew(
    server_factory,
) -> None:
    server = server_factory()
    with httpx.Client(base_url=server.base_url) as http:
        person = join(http, server.code).json()["participant"]
        control(server, http, "goto", question="rol")
        assert vote(http, server.code, person, "rol", "vdab").status_code == 201
        ended = control(server, http, "end")
        assert ended.status_code == 200 and ended.json()["ended"] is True
        assert ended.json()["voting_open"] is False
        late = vote(http, server.code, person, "rol", "vakbond")
        assert late.status_code == 409 and late.json()["error"] == "session_ended"
        assert join(http, server.code).json()["error"] == "session_ended"
        again = control(server, http, "next")
        assert again.status_code == 409 and again.json()["error"] == "session_ended"
        public = http.get(f"/api/sessions/{server.code}").json()
        assert public["ended"] is True
        csv = http.get(f"/api/sessions/{server.code}/export.csv", headers=server.admin_headers())
        assert "vdab" in csv.text and "vakbond" not in csv.text
    server.stop()
    next_talk = server_factory(data_dir=server.data_dir)
    assert next_talk.code != server.code


def test_wrong_codes_are_limited_per_address_but_the_right_one_is_not(server) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        statuses = [http.get(f"/api/sessions/{100000 + i}").status_code for i in range(40)]
        assert set(statuses[:30]) == {404}
        assert statuses[-1] == 429
        walked = http.post(f"/api/sessions/{200000}/join", json={})
        assert walked.status_code == 429 and int(walked.headers["Retry-After"]) >= 1
        assert http.get(f"/j/{300000}").status_code == 429
        # Those who know the code are never slowed down by the walk from their address.
        for _ in range(20):
            assert http.get(f"/api/sessions/{server.code}").status_code == 200
        assert join(http, server.code).status_code == 201


# --- 4. deleting a session while phones are connected -------------------------------------------


async def test_delete_closes_every_socket_and_every_route_answers_404(server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        tokens = []
        for _ in range(20):
            http.cookies.clear()
            tokens.append((await http.post(f"/api/sessions/{server.code}/join")).json())
        phones = [
            await connect(
                f"{server.ws_url}/ws/sessions/{server.code}?participant={t['participant']}"
            )
            for t in tokens
        ]
        for phone in phones:
            await phone.recv()  # the state: connected for real

        async def hammer() -> list[int]:
            statuses = []
            for _ in range(5):
                statuses.append((await http.get(f"/api/sessions/{server.code}")).status_code)
            return statuses

        lookups = [asyncio.create_task(hammer()) for _ in range(4)]
        deleted = await http.delete(f"/api/sessions/{server.code}", headers=server.admin_headers())
        assert deleted.json() == {"deleted": server.code}
        statuses = [s for task in lookups for s in await task]
        assert set(statuses) <= {200, 404}

        for phone in phones:
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(phone.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404

        admin = server.admin_headers()
        answers = {
            "state": await http.get(f"/api/sessions/{server.code}"),
            "join": await http.post(f"/api/sessions/{server.code}/join", json={}),
            "vote": await http.post(
                f"/api/sessions/{server.code}/responses",
                json={"participant": tokens[0]["participant"], "question": "rol", "answer": "x"},
            ),
            "control": await http.post(
                f"/api/sessions/{server.code}/control", json={"action": "qr"}, headers=admin
            ),
            "export": await http.get(f"/api/sessions/{server.code}/export.csv", headers=admin),
            "results": await http.get(f"/api/sessions/{server.code}/results", headers=admin),
            "qr": await http.get(f"/api/sessions/{server.code}/qr.svg"),
            "delete again": await http.delete(f"/api/sessions/{server.code}", headers=admin),
        }
        for name, response in answers.items():
            assert response.status_code == 404, (name, response.text)
            assert response.json()["error"] == "unknown_session", name
        assert (await http.get(f"/j/{server.code}")).status_code == 404
        with pytest.raises(InvalidStatus):
            await connect(f"{server.ws_url}/ws/sessions/{server.code}")


def test_cli_delete_refuses_a_session_that_is_being_served(server) -> None:
    command = [sys.executable, "-m", "app", "delete", server.code, "--data", str(server.data_dir)]
    refused = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1
    assert "being served" in refused.stderr and "Traceback" not in refused.stderr
    with httpx.Client(base_url=server.base_url) as http:
        assert http.get(f"/api/sessions/{server.code}").status_code == 200
    server.stop()  # a clean stop gives up the lease: now the command line may delete
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


# --- 5. same-site CSRF against a logged-in presenter ----------------------------------------


def test_json_endpoints_refuse_form_and_plain_text_bodies(server) -> None:
    cookie = login_cookie(server)
    with httpx.Client(base_url=server.base_url, cookies={"rondvraag_admin": cookie}) as http:
        plain = http.post(
            f"/api/sessions/{server.code}/control",
            content=b'{"action": "next"}',
            headers={"content-type": "text/plain", "Origin": server.base_url},
        )
        assert plain.status_code == 415 and plain.json()["error"] == "unsupported_media_type"
        form = http.post(
            f"/api/sessions/{server.code}/control",
            data={"action": "next"},
            headers={"Origin": server.base_url},
        )
        assert form.status_code == 415
        assert http.get(f"/api/sessions/{server.code}").json()["position"]["index"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://127.0.0.1:1"},  # another port of the same host: same site
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_cookie_authenticated_actions_from_another_page_are_refused(
    server: LiveServer, headers: dict[str, str]
) -> None:
    cookie = login_cookie(server)
    with httpx.Client(base_url=server.base_url, cookies={"rondvraag_admin": cookie}) as http:
        moved = http.post(
            f"/api/sessions/{server.code}/control", json={"action": "next"}, headers=headers
        )
        assert moved.status_code == 403 and moved.json()["error"] == "cross_origin"
        deleted = http.delete(f"/api/sessions/{server.code}", headers=headers)
        assert deleted.status_code == 403
        # Our own page may; reading needs no Origin at all.
        ours = http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "next"},
            headers={"Origin": server.base_url},
        )
        assert ours.status_code == 200
        assert http.get(f"/api/sessions/{server.code}/results").status_code == 200


def test_a_participant_cookie_cannot_be_used_from_another_page(server) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        control(server, http, "goto", question="rol")
        assert join(http, server.code).status_code == 201  # the cookie is set
        foreign = http.post(
            f"/api/sessions/{server.code}/responses",
            json={"question": "rol", "answer": "vdab"},
            headers={"Origin": "http://127.0.0.1:1"},
        )
        assert foreign.status_code == 403
        ours = http.post(
            f"/api/sessions/{server.code}/responses",
            json={"question": "rol", "answer": "vdab"},
            headers={"Origin": server.base_url},
        )
        assert ours.status_code == 201


def test_login_cookie_is_a_signed_session_not_the_token(server) -> None:
    cookie = login_cookie(server)
    assert server.token not in cookie
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    url = f"{server.base_url}/api/sessions/{server.code}/results"
    assert with_cookie(url, cookie).status_code == 200
    assert with_cookie(url, tampered).status_code == 401
    assert with_cookie(url, server.token).status_code == 401


def test_login_sessions_expire_and_a_new_admin_token_revokes_them() -> None:
    sessions = AdminSessions(b"secret", "the-admin-token-of-today", lifetime_s=60)
    value = sessions.issue(now=1000.0)
    assert sessions.valid(value, now=1059.0)
    assert not sessions.valid(value, now=1061.0)
    assert not AdminSessions(b"secret", "a-new-admin-token-tomorrow").valid(value, now=1001.0)
    assert not AdminSessions(b"other secret", "the-admin-token-of-today").valid(value, now=1001.0)


# --- 6. also found --------------------------------------------------------------------------


def test_wrong_admin_tokens_are_limited_but_a_logged_in_presenter_is_not(server) -> None:
    cookie = login_cookie(server)
    with httpx.Client(base_url=server.base_url) as http:
        url = f"/api/sessions/{server.code}/results"
        guesses = [
            http.get(url, headers={"Authorization": f"Bearer guess-{i}"}).status_code
            for i in range(12)
        ]
        assert guesses[:10] == [401] * 10 and guesses[-1] == 429
        # Rotating X-Forwarded-For does not help: no proxy is trusted by default.
        spoofed = http.get(
            url, headers={"Authorization": "Bearer guess", "X-Forwarded-For": "10.9.8.7"}
        )
        assert spoofed.status_code == 429 and int(spoofed.headers["Retry-After"]) >= 1
        login = http.post(
            f"/present/{server.code}/login",
            data={"token": "guess"},
            headers={"Origin": server.base_url},
        )
        assert login.status_code == 429
        # The presenter who is logged in keeps working throughout.
        assert with_cookie(server.base_url + url, cookie).status_code == 200


def test_forwarded_addresses_are_believed_only_from_configured_proxies(server_factory) -> None:
    server = server_factory(args=["--forwarded-allow-ips", "127.0.0.1"])
    with httpx.Client(base_url=server.base_url) as http:
        url = f"/api/sessions/{server.code}/results"
        for _ in range(11):
            http.get(url, headers={"Authorization": "Bearer no", "X-Forwarded-For": "10.0.0.1"})
        other = http.get(url, headers={"Authorization": "Bearer no", "X-Forwarded-For": "10.0.0.2"})
        assert other.status_code == 401  # another client behind the proxy is not blocked
        blocked = http.get(
            url, headers={"Authorization": "Bearer no", "X-Forwarded-For": "10.0.0.1"}
        )
        assert blocked.status_code == 429


def test_a_short_admin_token_is_refused_at_start(tmp_path) -> None:
    command = [sys.executable, "-m", "app", "serve", "questions/samenwerking.yaml"]
    command += ["--data", str(tmp_path / "d"), "--port", "1"]
    env = {"RONDVRAAG_ADMIN_TOKEN": "geheim123", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 1
    assert "at least 16" in done.stderr and "Traceback" not in done.stderr


def test_a_typo_in_a_setting_is_one_clear_line(tmp_path) -> None:
    command = [sys.executable, "-m", "app", "serve", "questions/samenwerking.yaml"]
    command += ["--data", str(tmp_path / "d"), "--port", "1"]
    env = {"RONDVRAAG_MAX_PARTICIPANTS": "lots", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 1
    assert "RONDVRAAG_MAX_PARTICIPANTS" in done.stderr and "Traceback" not in done.stderr


def test_data_folder_and_files_are_private(server) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        assert join(http, server.code).status_code == 201
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700
    private = [p for p in server.data_dir.iterdir() if not p.name.startswith("server-")]
    assert {p.name for p in private} >= {
        "rondvraag.sqlite3",
        "rondvraag.sqlite3-wal",
        "rondvraag.sqlite3-shm",
        "secret.key",
    }
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


async def test_sockets_without_a_participant_are_capped_and_not_counted(server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        token = (await http.post(f"/api/sessions/{server.code}/join")).json()["participant"]
    url = f"{server.ws_url}/ws/sessions/{server.code}"
    idle = [await connect(url) for _ in range(20)]
    with pytest.raises(InvalidStatus) as refused:
        await connect(url)
    assert refused.value.response.status_code == 403
    mine = [await connect(f"{url}?participant={token}") for _ in range(4)]
    with pytest.raises(InvalidStatus):
        await connect(f"{url}?participant={token}")  # one person does not hold 5 sockets
    with httpx.Client(base_url=server.base_url) as http:
        deadline = time.monotonic() + 5
        while presenter_view(server, http)["connected"] != 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert presenter_view(server, http)["connected"] == 1  # one person, not 24 sockets
    for ws in idle + mine:
        await ws.close()


async def test_a_slow_request_head_is_cut_off(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_HEAD_TIMEOUT_SECONDS": "1"})
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    await writer.drain()
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
    assert time.monotonic() - started < 5
    silent_reader, silent = await asyncio.open_connection("127.0.0.1", server.port)
    assert await asyncio.wait_for(silent_reader.read(), 10) == b""  # nothing sent at all
    writer.close()
    silent.close()
    with httpx.Client(base_url=server.base_url) as http:  # normal requests are unaffected
        assert http.get("/healthz").status_code == 200


# --- 2. one script on the venue network ------------------------------------------------------


async def test_a_keyless_flood_from_the_venue_address_does_not_keep_qr_phones_out(
    server,
) -> None:
    """The venue shares one address. A script without the QR key is held to a small lane;
    phones that scanned the QR code (with its key) keep getting in meanwhile."""
    with httpx.Client(base_url=server.base_url) as http:
        key = presenter_view(server, http)["join_key"]
    assert len(key) == 8

    async def flood() -> tuple[int, int]:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            taken = refused = 0

            async def loop() -> None:
                nonlocal taken, refused
                for _ in range(60):
                    http.cookies.clear()
                    status = (
                        await http.post(f"/api/sessions/{server.code}/join", json={})
                    ).status_code
                    taken += status == 201
                    refused += status == 429

            async def real_phones() -> int:
                async with httpx.AsyncClient(base_url=server.base_url) as phones:
                    joined = 0
                    for _ in range(100):
                        phones.cookies.clear()
                        answer = await phones.post(
                            f"/api/sessions/{server.code}/join", json={"key": key}
                        )
                        joined += answer.status_code == 201
                    return joined

            results = await asyncio.gather(loop(), loop(), loop(), loop(), real_phones())
            return taken, refused, results[-1]

    taken, refused, real = await flood()
    assert real == 100  # every phone with the key got in
    assert taken <= 60  # the script: its burst of 50 and a few more
    assert refused >= 170
    with httpx.Client(base_url=server.base_url) as http:
        view = presenter_view(server, http)
        assert view["participants"] == real + taken
        assert view["joins_last_minute"] == real + taken


def test_an_expired_or_forged_key_joins_through_the_small_lane(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_JOIN_KEY_SECONDS": "1", "RONDVRAAG_JOIN_RATE": "0.5"})
    with httpx.Client(base_url=server.base_url) as http:
        old_key = presenter_view(server, http)["join_key"]
        time.sleep(3.2)  # three periods on: the photographed key has expired
        statuses = [join(http, server.code, key=old_key).status_code for _ in range(55)]
        assert statuses.count(201) == 50 and statuses[-1] == 429  # the keyless lane's burst
        fresh = presenter_view(server, http)["join_key"]
        assert fresh != old_key
        assert join(http, server.code, key=fresh).status_code == 201
        assert join(http, server.code, key="aaaaaaaa").status_code == 429  # forged: no lane


def test_the_projector_qr_code_carries_the_current_key(server) -> None:
    from app.web.api import qr_svg

    with httpx.Client(base_url=server.base_url) as http:
        view = presenter_view(server, http)
        key = view["join_key"]
        assert view["join_url"] == f"{server.base_url}/j/{server.code}?k={key}"
        keyed = http.get(f"/api/sessions/{server.code}/qr.svg", params={"k": key})
        assert keyed.content == qr_svg(f"{server.base_url}/j/{server.code}?k={key}")
        forged = http.get(f"/api/sessions/{server.code}/qr.svg", params={"k": "aaaaaaaa"})
        assert forged.content == qr_svg(f"{server.base_url}/j/{server.code}")


def test_a_session_takes_at_most_its_cap_of_participants(server_factory) -> None:
    server = server_factory(args=["--max-participants", "5"])
    with httpx.Client(base_url=server.base_url) as http:
        tokens = [join(http, server.code).json()["participant"] for _ in range(5)]
        full = join(http, server.code)
        assert full.status_code == 409 and full.json()["error"] == "session_full"
        rejoin = http.post(f"/api/sessions/{server.code}/join", json={"participant": tokens[0]})
        assert rejoin.status_code == 200  # those inside stay inside
        assert presenter_view(server, http)["max_participants"] == 5


def test_the_presenter_can_lock_joining_while_the_room_keeps_voting(server) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        inside = join(http, server.code).json()["participant"]
        control(server, http, "goto", question="rol")
        locked = control(server, http, "lock")
        assert locked.json()["presenter"]["joining_locked"] is True
        refused = join(http, server.code)
        assert refused.status_code == 409 and refused.json()["error"] == "joining_locked"
        assert vote(http, server.code, inside, "rol", "vdab").status_code == 201
        control(server, http, "unlock")
        assert join(http, server.code).status_code == 201
