"""axe-core in a real Chromium on every page state a person meets: the phone (360 px) on each
slide type before and after answering, with voting closed, locked out, after the end and in
English; the projector at 1920×1080 and 1024×768 with results shown and hidden, voting closed
and its controls open; the remote at 360 px; and the other pages (start, login, not found,
report, API docs). A serious or critical violation fails its state with what to fix: the rule,
its impact, the elements and the help page. Moderate and minor ones are printed, and every
state's violations are written to test-artifacts/axe/ for a human look.

The pages carry a room's worth of answers (48 participants: long Dutch open answers, word-cloud
entries in a Zipf spread, participant text full of markup characters), because a page with
three short answers hides the contrast and naming problems that a full wall shows.

One server per deck serves the whole file, and the projectors and the remote stay open across
their tests as in a real talk; each test first sets the presenter state it needs over HTTP, so
the tests do not depend on their order. The whole file needs about 30 s of CPU (80 s of wall
time on a 2-core machine busy with other test runs).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.base import AXE_SCRIPT
from browser_helpers import (
    UI_TIMEOUT_MS,
    Presenter,
    expect_prompt,
    expect_received,
    join,
    tap_choice,
    tap_scales,
    type_answers,
)
from conftest import PHONE, LiveServer, _pages, _safe_name, servers_in
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

AXE_VERSION = re.search(r"axe v([\d.]+)", AXE_SCRIPT[:200]).group(1)  # type: ignore[union-attr]
BLOCKING = ("serious", "critical")
ADMIN_COOKIE = "rondvraag_admin"
EN_DECK = "questions/example-en.yaml"
# No limits on joins and votes: the room is seeded from one address in a second.
OPEN_ENV = {"RONDVRAAG_JOIN_RATE": "0", "RONDVRAAG_VOTE_RATE": "0"}
ROOM = 48  # participants in the reference room (three in four also write an open answer)

PROMPTS = {
    "rol": "Wie zit er in onze sessie?",
    "drijfveren": re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren"),
    "stellingen": "Je mening over volgende stellingen",
    "onthouden": re.compile(r"^Welke al dan niet verrassende elementen"),
}

# --- a room's answers -------------------------------------------------------------------------

ROLES = ["lokaal-bestuur", "vdab", "lokaal-bestuur", "derden", "vakbond", "lokaal-bestuur",
         "vlaamse-overheid", "wsg", "werkgevers", "bedrijf", "andere", "vdab"]  # fmt: skip
# Word-cloud entries, most said first (each participant gives up to five, Zipf-like).
WORDS = [
    "vertrouwen", "kennis delen", "betere dienstverlening", "efficiëntie", "samen sterker",
    "middelen bundelen", "geen dubbel werk", "expertise", "netwerk", "klant centraal",
    "<b>win-win</b>", "burger & klant", '"één loket"', "kostenbesparing", "innovatie",
    "elkaar leren kennen", "<script>x</script>", "complexe problemen oplossen",
    "werkzaamheidsgraad 80%", "subsidies", "draagvlak", "continuïteit", "O'Neill's aanpak",
]  # fmt: skip
OPEN_ANSWERS = [
    "Dat samenwerking een middel is en geen doel: we vergeten dat te vaak wanneer er weer een "
    "nieuw overlegplatform wordt opgericht zonder dat iemand weet welk probleem het oplost. "
    "Voortaan vraag ik bij elk voorstel eerst: wat is het motief, en wie heeft er baat bij?",
    "Klein beginnen! We wilden meteen alles samen doen met vijf partners en zijn vastgelopen.",
    "<script>alert('onthouden')</script> & <b>vertrouwen</b> groeit door samen te werken, "
    "niet ervoor — dat was voor mij de grootste verrassing van deze sessie.",
    "Een rolverdeling: netwerkoperator, netwerkpromotor, visiebewaker, creatieve denker en "
    "netwerkkampioen. Bij ons doet één persoon dat allemaal, en dat verklaart veel. Ik neem "
    "het mee naar ons volgend stuurgroepoverleg in september, met een concreet voorstel.",
    "Het is nooit af.",
    'Geen recept, wel patronen: "werk alleen samen als het moet" blijft hangen.',
    "Focus op de dienstverlening aan de klant, niet op de structuur van het netwerk zelf; "
    "de GDPR-discussie mag geen excuus zijn om niets te delen <tussen> diensten.",
    "Respect voor elkaars verschillen (OCMW ≠ VDAB) is net de meerwaarde.",
]
STATEMENTS = ["overeenkomst", "expert", "vertrouwen", "klein-beginnen"]


def words_of(person: int) -> list[str]:
    """One to five entries, common words most often (a Zipf-like spread over the room)."""
    count = 1 + person % 5
    picks = [WORDS[(person * 7 + step * step * 3) % (1 + person % len(WORDS))] for step in
             range(count)]  # fmt: skip
    return list(dict.fromkeys(picks))


def open_of(person: int) -> list[str]:
    count = 1 + person % 3
    return [OPEN_ANSWERS[(person + step * 3) % len(OPEN_ANSWERS)] for step in range(count)]


# How the room leans on each statement: the values 1..5 with these weights (uneven spreads,
# one statement nearly unanimous, as rooms answer).
LEANINGS = {
    "overeenkomst": [6, 14, 10, 12, 6],
    "expert": [2, 5, 9, 20, 12],
    "vertrouwen": [1, 2, 4, 11, 30],
    "klein-beginnen": [9, 9, 10, 10, 10],
}


def scales_of(person: int) -> dict[str, int]:
    """Each statement's value for this person, spread over the room by its leaning."""
    values = {}
    for index, statement in enumerate(STATEMENTS):
        weights = LEANINGS[statement]
        slot = (person * 17 + index * 5) % sum(weights)
        value = 1
        while slot >= weights[value - 1]:
            slot -= weights[value - 1]
            value += 1
        values[statement] = value
    return values


# --- the servers --------------------------------------------------------------------------------


@dataclass
class Room:
    """A seeded server, its presenter remote, the presenter's login cookie and the number of
    responses to each question after seeding (its keys: the questions)."""

    server: LiveServer
    presenter: Presenter
    cookie: str
    responses: dict[str, int] = field(default_factory=dict)

    def stage(
        self, slide: str, *, voting: bool = True, shown: bool = True, locked: bool = False
    ) -> None:
        """Put the live session in one state, whatever the previous test left behind."""
        self.presenter.control("lock" if locked else "unlock")
        self.presenter.goto(slide)
        if slide in self.responses:
            self.presenter.control("open" if voting else "close")
            self.presenter.control("reveal" if shown else "hide")

    def cookies(self) -> list[dict[str, Any]]:
        return [{"name": ADMIN_COOKIE, "value": self.cookie, "url": self.server.base_url}]


def admin_cookie(server: LiveServer) -> str:
    """Log in through the presenter's form once; every projector page reuses the cookie."""
    response = httpx.post(
        f"{server.base_url}/present/{server.code}/login",
        data={"token": server.token},
        follow_redirects=False,
        timeout=10.0,
    )
    assert response.status_code == 303, response.text
    return response.cookies[ADMIN_COOKIE]


def seed(presenter: Presenter, answers: Mapping[str, Callable[[int], Any]], room: int) -> dict:
    """`room` participants join and answer each question (voting opens when it goes live)."""
    api = f"{presenter.server.base_url}{presenter.api}"
    with httpx.Client(timeout=10.0) as client:  # one connection: a room in a second
        tokens = []
        for _ in range(room):
            client.cookies.clear()  # each one a new phone, not the last one coming back
            joined = client.post(f"{api}/join", json={})
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["participant"])
        for question, answer_of in answers.items():
            presenter.goto(question)
            for person, token in enumerate(tokens):
                answer = answer_of(person)
                if answer is None:
                    continue
                body = {"participant": token, "question": question, "answer": answer}
                response = client.post(f"{api}/responses", json=body)
                assert response.status_code in (200, 201), response.text
    responses = {qid: result["responses"] for qid, result in presenter.results().items()}
    expected = {qid: sum(answers[qid](p) is not None for p in range(room)) for qid in answers}
    assert {qid: responses[qid] for qid in answers} == expected
    return responses


@contextlib.contextmanager
def seeded_room(start: Callable[..., LiveServer], deck: str, answers: Mapping, room: int):
    server = start(deck, env=OPEN_ENV)
    presenter = Presenter(server)
    try:
        responses = seed(presenter, answers, room)
        yield Room(server, presenter, admin_cookie(server), responses)
    finally:
        presenter.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    with servers_in(tmp_path_factory.mktemp("axe")) as start:
        yield start


@pytest.fixture(scope="module")
def room(servers: Callable[..., LiveServer]) -> Iterator[Room]:
    """The reference deck with 48 participants' answers to its four questions."""
    answers = {
        "rol": lambda p: ROLES[p % len(ROLES)],
        "drijfveren": words_of,
        "stellingen": scales_of,
        "onthouden": lambda p: open_of(p) if p % 4 else None,  # not everyone writes something
    }
    with seeded_room(servers, "questions/samenwerking.yaml", answers, ROOM) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def en_room(servers: Callable[..., LiveServer]) -> Iterator[Room]:
    """The English example deck: its multiple-choice question (two picks) answered by 30."""
    options = ["pairing", "standups", "ci", "reviews", "other"]
    answers = {"went-well": lambda p: [options[p % 5], options[(p * 3 + 1) % 5]]}
    with seeded_room(servers, EN_DECK, answers, 30) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def ended_room(servers: Callable[..., LiveServer]) -> Iterator[Room]:
    """A session the presenter ended while a question was live (read-only from then on)."""
    with seeded_room(servers, "questions/samenwerking.yaml", {"rol": lambda p: "vdab"}, 12) as r:
        r.presenter.control("end")
        yield r


# --- axe ------------------------------------------------------------------------------------


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core into the page (once per document) and return its violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target,"
        " summary: n.failureSummary || '', html: n.html}))})))"
    )
    return list(results)


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:8])
        more = f" (+{len(v['nodes']) - 8} more)" if len(v["nodes"]) > 8 else ""
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.append(f"    targets: {targets}{more}")
        first = " ".join(v["nodes"][0]["summary"].split())
        if first:
            lines.append(f"    first: {first[:300]}")
        lines.append(f"    help: {v['helpUrl']}")
    return "\n".join(lines)


def check(page: Page, state: str, artifacts_dir: Path) -> None:
    """axe-core on the page as it is: fail on serious/critical, print the rest."""
    settle(page)
    violations = run_axe(page)
    folder = artifacts_dir / "axe"
    folder.mkdir(exist_ok=True)
    (folder / f"{state}.json").write_text(
        json.dumps(violations, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    rest = [v for v in violations if v["impact"] not in BLOCKING]
    if rest:
        print(f"axe-core {AXE_VERSION}, {state}: moderate/minor\n{describe(rest)}")
    assert not blocking, (
        f"axe-core {AXE_VERSION} found {len(blocking)} serious/critical violation(s) on "
        f"{state} ({page.url}):\n{describe(blocking)}"
    )


# Finite animations (fade-ins, growing bars) run to their end before axe looks: mid-fade text
# has a contrast nobody sees for long. Endless ones (a pulse, a scrolling wall) are skipped.
SETTLED = """() => document.getAnimations().every((a) =>
  a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity)"""


def settle(page: Page) -> None:
    page.evaluate("() => document.fonts.ready")
    page.wait_for_function(SETTLED, timeout=UI_TIMEOUT_MS)


# --- pages --------------------------------------------------------------------------------

Opener = Callable[[str, Mapping[str, Any]], Page]


@pytest.fixture
def open_page(
    browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path, js_errors: list[str]
) -> Iterator[Opener]:
    """Pages in their own contexts (screenshots if the test fails, JS errors fail it)."""
    with contextlib.ExitStack() as stack:

        def opener(kind: str, options: Mapping[str, Any]) -> Page:
            pages = _pages(browser, request, artifacts_dir, js_errors, kind, options)
            return stack.enter_context(pages)()

        yield opener


@dataclass
class Screen:
    """A projector or remote page kept open for the whole file, as in a real talk: each test
    moves the session on and the page follows over its socket (no reload between states)."""

    page: Page
    errors: list[str] = field(default_factory=list)


SCREENS: dict[str, dict[str, Any]] = {
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}, "locale": "nl-BE"},
    "1024x768": {"viewport": {"width": 1024, "height": 768}, "locale": "nl-BE"},
    "remote": PHONE,
}


@pytest.fixture(scope="module")
def screens(browser: Browser, room: Room) -> Iterator[Callable[[str], Screen]]:
    """Logged-in presenter pages of the reference room, opened on first use."""
    opened: dict[str, Screen] = {}
    contexts = []

    def get(name: str) -> Screen:
        if name not in opened:
            context = browser.new_context(**SCREENS[name])
            contexts.append(context)
            context.add_cookies(room.cookies())  # type: ignore[arg-type]
            screen = Screen(context.new_page())
            screen.page.on("pageerror", lambda error: screen.errors.append(str(error)))
            query = "?remote=1" if name == "remote" else ""
            # A controllable clock (it runs on by itself): the controls' 2.5 s idle fade is
            # fast-forwarded instead of waited for.
            screen.page.clock.install()
            screen.page.goto(f"{room.server.base_url}/present/{room.server.code}{query}")
            expect(screen.page.locator("#slide-select option").first).to_be_attached(
                timeout=UI_TIMEOUT_MS
            )
            opened[name] = screen
        return opened[name]

    yield get
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


@pytest.fixture
def screen(
    screens: Callable[[str], Screen], request: pytest.FixtureRequest, artifacts_dir: Path
) -> Iterator[Callable[[str], Page]]:
    """A shared screen for this test: a screenshot if the test failed, and uncaught
    JavaScript errors during the test fail it."""
    used: list[Screen] = []

    def get(name: str) -> Page:
        shown = screens(name)
        shown.errors.clear()
        used.append(shown)
        return shown.page

    yield get
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = artifacts_dir / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        name = _safe_name(request.node.nodeid)
        for index, shown in enumerate(used):
            with contextlib.suppress(Exception):
                shown.page.screenshot(path=str(folder / f"{name}-{index}.png"), full_page=True)
    errors = [error for shown in used for error in shown.errors]
    if errors:
        pytest.fail("uncaught JavaScript errors:\n" + "\n".join(errors), pytrace=False)


def projector(open_page: Opener, room: Room, size: tuple[int, int]) -> Page:
    """A projector of another room, for one test."""
    page = open_page("projector", {"viewport": {"width": size[0], "height": size[1]},
                                   "locale": "nl-BE"})  # fmt: skip
    page.context.add_cookies(room.cookies())  # type: ignore[arg-type]
    page.goto(f"{room.server.base_url}/present/{room.server.code}")
    expect(page.locator("#slide-select option").first).to_be_attached(timeout=UI_TIMEOUT_MS)
    return page


def expect_results_drawn(page: Page, room: Room, question: str) -> None:
    """The projector drew the room's answers (not the empty view before results arrive)."""
    drawn = {
        "rol": ".bar-count",
        "went-well": ".bar-count",
        "drijfveren": ".cloud-word",
        "stellingen": ".scales-mean",
        "onthouden": ".wall-card",
    }[question]
    expect(page.locator(drawn).first).to_be_attached(timeout=UI_TIMEOUT_MS)
    count = room.presenter.results()[question]["responses"]  # phones of other tests add some
    expect(page.locator("#st-responses")).to_have_text(
        re.compile(rf"^{count} antwoord|^{count} response"), timeout=UI_TIMEOUT_MS
    )


def phone(open_page: Opener, room: Room, query: str = "", locale: str = "nl-BE") -> Page:
    page = open_page("phone", {**PHONE, "locale": locale})
    join(page, room.server, f"{room.server.base_url}/j/{room.server.code}{query}")
    return page


def expect_phone_results(page: Page) -> None:
    expect(page.locator("section.results")).to_be_visible(timeout=UI_TIMEOUT_MS)


# --- the projector -------------------------------------------------------------------------

SIZES = {"1920x1080": (1920, 1080), "1024x768": (1024, 768)}
QUESTIONS = ["rol", "drijfveren", "stellingen", "onthouden"]
PROJECTOR_STATES: dict[str, dict[str, Any]] = {
    "join": {"slide": "meedoen"},
    "content": {"slide": "vooraf"},
    **{f"{q}-shown": {"slide": q} for q in QUESTIONS},
    **{f"{q}-hidden": {"slide": q, "shown": False} for q in QUESTIONS},
    "rol-closed": {"slide": "rol", "voting": False},
    "stellingen-closed": {"slide": "stellingen", "voting": False},
    "join-locked": {"slide": "meedoen", "locked": True},
    "controls-open": {"slide": "drijfveren", "controls": True},
}


def expect_slide(page: Page, room: Room, spec: Mapping[str, Any]) -> None:
    """The page shows the staged state: the slide, its results, the flags."""
    slide = spec["slide"]
    expect(page.locator("#slide-select")).to_have_value(slide, timeout=UI_TIMEOUT_MS)
    body = page.locator("body")
    if slide in room.responses:
        expect(page.locator(".prompt")).to_have_text(PROMPTS[slide], timeout=UI_TIMEOUT_MS)
        expect_results_drawn(page, room, slide)
        hidden = not spec.get("shown", True)
        expect(body).to_have_class(
            re.compile(r"\bresults-hidden\b") if hidden else re.compile(r"^(?!.*results-hidden)")
        )
        closed = not spec.get("voting", True)
        expect(body).to_have_class(
            re.compile(r"\bvoting-closed\b") if closed else re.compile(r"^(?!.*voting-closed)")
        )
    elif slide == "meedoen":
        expect(page.locator(".join-code-big")).to_have_text(room.server.code)
        # axe cannot tell text that runs off the screen: the code people type must fit.
        cut = page.evaluate(CUT_OFF, ".join-title, .join-url, .join-code-big")
        assert cut == [], f"the join slide runs off the screen: {cut}"
    else:
        expect(page.locator(".content-title")).to_have_text(CONTENT_TITLES[slide])
    locked = spec.get("locked", False)
    expect(page.locator("#st-joins")).to_have_class(
        re.compile(r"\bis-locked\b") if locked else re.compile(r"^(?!.*is-locked)")
    )


CONTENT_TITLES = {"vooraf": "Vooraf"}
# Elements wider than their box or running past the right edge of the screen.
CUT_OFF = """(selector) => [...document.querySelectorAll(selector)].filter((node) =>
  node.scrollWidth > node.clientWidth + 1
  || node.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
).map((node) => `${node.className}: ${node.scrollWidth}px in ${node.clientWidth}px`)"""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", list(PROJECTOR_STATES))
def test_projector(
    state: str, size: str, room: Room, screen: Callable[[str], Page], artifacts_dir: Path
) -> None:
    spec = dict(PROJECTOR_STATES[state])
    controls = spec.pop("controls", False)
    room.stage(**spec)
    page = screen(size)
    expect_slide(page, room, spec)
    body = page.locator("body")
    if not controls:
        # What the room sees: the mouse has not moved for a while, the controls have faded.
        page.clock.fast_forward(3000)
        expect(body).to_have_class(re.compile(r"\bidle\b"), timeout=UI_TIMEOUT_MS)
        check(page, f"projector-{size}-{state}", artifacts_dir)
        return
    # The presenter at the laptop: mouse on the controls, the "more" menu open.
    width, height = SIZES[size]
    page.mouse.move(4, height - 4)  # a faded bar takes no pointer: moving the mouse wakes it
    page.locator("#ctl-more summary").click()
    try:
        expect(page.locator("#ctl-more .ctl-menu")).to_be_visible()
        check(page, f"projector-{size}-{state}", artifacts_dir)
    finally:
        page.locator("#ctl-more summary").click()
        page.mouse.move(width // 2, 40)  # away from the controls: they fade again


def test_projector_multiple_choice_in_english(
    en_room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    en_room.stage("went-well")
    page = projector(open_page, en_room, SIZES["1920x1080"])
    expect_results_drawn(page, en_room, "went-well")
    check(page, "projector-1920x1080-en-multiple", artifacts_dir)


def test_projector_after_the_session_ended(
    ended_room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    page = projector(open_page, ended_room, SIZES["1920x1080"])
    expect(page.locator("#st-ended")).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "projector-1920x1080-ended", artifacts_dir)


REMOTE_STATES = ["meedoen", "vooraf", *QUESTIONS]


@pytest.mark.parametrize("slide", REMOTE_STATES)
def test_remote(slide: str, room: Room, screen: Callable[[str], Page], artifacts_dir: Path) -> None:
    room.stage(slide)
    page = screen("remote")
    expect(page.locator("body")).to_have_class(re.compile(r"\bremote\b"))
    expect_slide(page, room, {"slide": slide})
    check(page, f"remote-{slide}", artifacts_dir)


# --- the phone -------------------------------------------------------------------------------


def test_phone_join_slide(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("meedoen")
    page = phone(open_page, room)
    expect(page.locator(".waiting-join")).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "phone-join", artifacts_dir)


def test_phone_content_slide(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("vertrouwen-video")  # bold text and a link
    page = phone(open_page, room)
    expect(page.locator(".content-link").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "phone-content", artifacts_dir)


def fill_form(page: Page, question: str) -> None:
    """Start answering without sending: the form as a person sees it mid-way."""
    if question == "drijfveren":
        page.locator(".text-input").first.fill("vertrouwen")
        page.locator(".btn-add").tap()
        page.locator(".text-input").nth(1).fill("<b>kennis</b> & delen")
    elif question == "stellingen":
        for row, value in ((0, 4), (1, 2)):
            button = page.locator("fieldset.scale").nth(row).locator(f'[data-value="{value}"]')
            button.tap()
            expect(button).to_have_attribute("aria-checked", "true")
    elif question == "onthouden":
        page.locator(".text-input").first.fill(OPEN_ANSWERS[0])


def answer(page: Page, question: str) -> None:
    if question == "rol":
        tap_choice(page, "VDAB")
    elif question == "drijfveren":
        type_answers(page, ["vertrouwen", "<b>kennis</b> & delen"])
    elif question == "stellingen":
        tap_scales(page, {0: 4, 1: 2, 2: 5, 3: 1})
    elif question == "onthouden":
        type_answers(page, [OPEN_ANSWERS[0], OPEN_ANSWERS[2]])
    expect_received(page)


@pytest.mark.parametrize("question", QUESTIONS)
def test_phone_question_form(
    question: str, room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    room.stage(question)
    page = phone(open_page, room)
    expect_prompt(page, PROMPTS[question])
    expect(page.locator("form.answer-form")).to_be_visible()
    fill_form(page, question)
    check(page, f"phone-{question}-form", artifacts_dir)


@pytest.mark.parametrize("question", QUESTIONS)
def test_phone_answered_with_results(
    question: str, room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    room.stage(question)
    page = phone(open_page, room)
    expect_prompt(page, PROMPTS[question])
    answer(page, question)
    expect_phone_results(page)
    check(page, f"phone-{question}-answered", artifacts_dir)


def test_phone_answered_with_results_hidden(
    room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    room.stage("rol", shown=False)
    page = phone(open_page, room)
    expect_prompt(page, PROMPTS["rol"])
    answer(page, "rol")
    expect(page.locator("section.results")).to_be_hidden()
    check(page, "phone-rol-answered-results-hidden", artifacts_dir)


def test_phone_voting_closed_unanswered(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("stellingen", voting=False)
    page = phone(open_page, room)
    expect(page.locator(".closed-none")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect_phone_results(page)
    check(page, "phone-stellingen-closed", artifacts_dir)


def test_phone_voting_closed_mid_sentence(
    room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    room.stage("onthouden")
    page = phone(open_page, room)
    expect_prompt(page, PROMPTS["onthouden"])
    page.locator(".text-input").first.fill(OPEN_ANSWERS[6])
    room.presenter.control("close")
    expect(page.locator(".closed-draft")).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "phone-onthouden-closed-draft", artifacts_dir)


def test_phone_multiple_choice(en_room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    en_room.stage("went-well")
    page = phone(open_page, en_room, locale="en-GB")
    expect(page.locator('[role="checkbox"]').first).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.locator('[role="checkbox"]').nth(1).tap()
    page.locator('[role="checkbox"]').nth(3).tap()
    check(page, "phone-en-multiple-form", artifacts_dir)
    page.locator(".btn-send").tap()
    expect_received(page, "Answer received ✓")
    expect_phone_results(page)
    check(page, "phone-en-multiple-answered", artifacts_dir)


def test_phone_in_english(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("stellingen")
    page = phone(open_page, room, query="?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect_prompt(page, PROMPTS["stellingen"])
    fill_form(page, "stellingen")
    check(page, "phone-en-stellingen-form", artifacts_dir)
    page.locator(".btn-send").tap()
    expect_received(page, "Answer received ✓")
    expect_phone_results(page)
    check(page, "phone-en-stellingen-answered", artifacts_dir)


def test_phone_reconnecting(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("rol")
    page = phone(open_page, room)
    expect_prompt(page, PROMPTS["rol"])
    page.context.set_offline(True)
    expect(page.locator("#conn-banner")).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "phone-reconnecting", artifacts_dir)
    page.context.set_offline(False)


def test_phone_joining_locked(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    room.stage("rol", locked=True)
    try:
        page = open_page("phone", PHONE)
        page.goto(f"{room.server.base_url}/j/{room.server.code}")
        expect(page.locator(".notice-error")).to_contain_text(
            "Aanmelden is even gesloten", timeout=UI_TIMEOUT_MS
        )
        check(page, "phone-joining-locked", artifacts_dir)
    finally:
        room.presenter.control("unlock")


def test_phone_session_ended(ended_room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    page = open_page("phone", PHONE)
    page.goto(f"{ended_room.server.base_url}/j/{ended_room.server.code}")
    expect(page.locator(".notice-ok")).to_contain_text("afgelopen", timeout=UI_TIMEOUT_MS)
    check(page, "phone-ended", artifacts_dir)


# --- the other pages ---------------------------------------------------------------------------

OTHER_PAGES = {
    "index": ("/", None),
    "login": ("/present/{code}", None),
    "not-found": ("/j/000000", None),
    "report": ("/present/{code}/report", "cookie"),
    "api-docs": ("/docs", None),
}


@pytest.mark.parametrize("name", list(OTHER_PAGES))
def test_other_pages(name: str, room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    path, auth = OTHER_PAGES[name]
    page = open_page("page", {"viewport": {"width": 1280, "height": 800}, "locale": "nl-BE"})
    if auth:
        page.context.add_cookies(room.cookies())  # type: ignore[arg-type]
    response = page.goto(room.server.base_url + path.format(code=room.server.code))
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    check(page, name, artifacts_dir)


def test_login_with_a_wrong_token(room: Room, open_page: Opener, artifacts_dir: Path) -> None:
    page = open_page("page", PHONE)
    page.goto(f"{room.server.base_url}/present/{room.server.code}")
    page.locator("#token").fill("not-the-token")
    page.locator("form.login-form button[type=submit]").click()
    expect(page.locator(".notice-error")).to_be_visible(timeout=UI_TIMEOUT_MS)
    check(page, "login-error", artifacts_dir)


def test_a_violation_fails_the_check_with_what_to_fix(
    room: Room, open_page: Opener, artifacts_dir: Path
) -> None:
    """The check is not blind: a nameless button and faint text on a real page fail it, and
    the message names the rule, the impact, the element and where to read how to fix it."""
    page = open_page("page", {"viewport": {"width": 1280, "height": 800}, "locale": "nl-BE"})
    page.goto(f"{room.server.base_url}/")
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.className = "probe-nameless";
            const faint = document.createElement("p");
            faint.className = "probe-faint";
            faint.textContent = "Bijna onleesbaar grijs op wit";
            faint.style.color = "#c4c4c4";
            document.querySelector("main").append(button, faint);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        check(page, "self-check", artifacts_dir)
    message = str(failure.value)
    assert "button-name (critical)" in message
    assert "color-contrast (serious)" in message
    assert ".probe-nameless" in message and ".probe-faint" in message
    assert "help: https://dequeuniversity.com/rules/axe/" in message
