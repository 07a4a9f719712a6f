"""The wire shapes of docs/protocol.md as pydantic models, for the OpenAPI document only.

Routes build their answers as plain dicts and read bodies themselves (deps.json_body), so
nothing here validates or filters a request or a response at run time: these models say
what goes over the wire, and the schemathesis run (tests/test_openapi.py) checks that the
server's answers match them. Models allow extra fields, as clients must ignore fields they
do not know (the protocol grows by adding fields).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.presenter import ACTIONS, MAX_REHEARSAL


class Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors and small answers ----------------------------------------------------------------


class ErrorBody(Wire):
    """Every error: a stable code for programs and a sentence for people."""

    error: str = Field(description="stable machine-readable code", examples=["invalid_answer"])
    detail: str = Field(description="why, in words", examples=["unknown option 'x'"])


class Health(Wire):
    status: Literal["ok", "bus_down"] = Field(
        description="`bus_down` (503): this worker's bus subscription is down; try another"
    )


class SessionSummary(Wire):
    code: str = Field(examples=["482913"])
    deck: str = Field(description="the deck file's stem", examples=["samenwerking"])
    title: str


class SessionList(Wire):
    sessions: list[SessionSummary]


class Deleted(Wire):
    deleted: str = Field(description="the deleted session's code")


# --- the session state ----------------------------------------------------------------------


class Item(Wire):
    """An option of a choice question or a statement of a scales question."""

    id: str
    label: str


class Scale(Wire):
    min: int
    max: int
    min_label: str
    max_label: str


class Link(Wire):
    label: str
    url: str


class Standing(Wire):
    name: str = Field(description="the nickname (or pseudonym for a participant without one)")
    score: int
    rank: int = Field(description="competition rank: equal scores share it (1, 2, 2, 4)")


class Timer(Wire):
    """A timed question's deadline on the server's clock (epoch ms); a phone counts down
    from `remaining_ms` as received, whatever its own clock says."""

    ends_at: str = Field(description="when voting closes (ISO 8601 UTC)")
    seconds_left: int = Field(description="whole seconds left to answer, rounded up")
    opened_at: int
    closes_at: int
    now: int = Field(description="the server's clock when this was sent")
    remaining_ms: int = Field(description="time left to answer (0 once voting closed)")


class Slide(Wire):
    """The public view of one slide: the common fields, then those of its type."""

    id: str
    type: str = Field(description="choice, wordcloud, open, scales, content or join")
    title: str
    prompt: str
    subtitle: str
    interactive: bool
    options: list[Item] | None = Field(None, description="choice")
    multiple: int | None = Field(None, description="choice: how many may be picked")
    max_answers: int | None = Field(None, description="wordcloud, open")
    max_length: int | None = Field(None, description="wordcloud, open")
    statements: list[Item] | None = Field(None, description="scales")
    scale: Scale | None = Field(None, description="scales")
    body_html: str | None = Field(None, description="content: Markdown rendered, HTML escaped")
    links: list[Link] | None = Field(None, description="content")
    timer: int | None = Field(None, description="seconds voting stays open (deck's `timer`)")
    correct: list[str] | None = Field(
        None, description="quiz: the right option ids, only once its timer is over"
    )
    leaderboard: list[Standing] | None = Field(
        None, description="leaderboard: the top places (once the scores are loaded)"
    )


class Position(Wire):
    index: int = Field(description="the live slide, from 0")
    total: int


class SessionState(Wire):
    """What every phone sees: also the `state` message of the phone's websocket."""

    type: Literal["state"]
    version: int = Field(description="grows on every change of the presenter's state")
    code: str
    title: str
    language: str
    join_url: str
    position: Position
    slide: Slide
    voting_open: bool
    results_visible: bool
    round: int = Field(description="the live question's round (0 on other slides)")
    ended: bool
    nicknames: bool = Field(
        description="participants pick a nickname (`POST /join` with `name`): the deck has a quiz"
    )
    timer: Timer | None = Field(description="the live question's running timer, else null")


class SlideSummary(Wire):
    id: str
    type: str
    title: str


class PhoneReach(Wire):
    at: str = Field(description="when a phone last ran the venue check (ISO 8601 UTC)")
    rtt_ms: int = Field(description="its round trip to this server, median of a few, in ms")


class Rehearsal(Wire):
    question: str = Field(description="the rehearsed question's id")
    participants: int = Field(description="simulated participants answering it")


class SplitGroup(Wire):
    id: str = Field(description="an option id of the splitting question, or `_none`")
    label: str


class Split(Wire):
    by: str = Field(description="the choice question whose answer makes the groups")
    title: str
    groups: list[SplitGroup]
    min_group: int = Field(description="smaller groups are shown as hidden, without counts")


class PresenterInfo(Wire):
    slides: list[SlideSummary]
    notes: str = Field(description="speaker notes of the live slide")
    connected: int = Field(description="phones with an open socket")
    participants: int = Field(description="everyone who joined")
    max_participants: int
    joins_last_minute: int
    joining_locked: bool
    join_key: str = Field(description="the current join key (empty when keys are off)")
    join_url: str = Field(description="the join URL with the key, as the QR code shows it")
    qr_visible: bool
    deleted_on: str | None = Field(
        description="once ended: the day (YYYY-MM-DD) the session and its answers are deleted, "
        "if the deck keeps them for `privacy.retention_days`"
    )
    phone_reached: PhoneReach | None = Field(
        description="the latest venue check from a phone (`/check/{code}`), if any"
    )
    deck_errors: list[str] = Field(
        description="while the deck file as saved does not load: its problems as "
        "`FILE:LINE: what is wrong` (the last good deck is served meanwhile); else empty"
    )
    deck_version: str = Field(description="a fingerprint of the deck this server process serves")
    deck_in_step: bool = Field(
        description="false while the session's state follows another version of the deck "
        "(in a cluster: a worker that has not reloaded the saved file yet, or a different copy)"
    )
    rehearsal: Rehearsal | None = Field(
        None, description="the live question is being rehearsed with simulated answers"
    )
    split: Split | None = Field(
        None, description="the presenter's screens show results by group of this question"
    )
    compare_rounds: bool = Field(
        False, description="the presenter's screens show the live question's rounds side by side"
    )
    min_group: int = Field(5, description="the deck's privacy.min_group: smaller groups hidden")
    hidden_count: int = Field(0, description="how many of the live question's entries are hidden")
    hidden: list[str] | None = Field(
        None,
        description="the live question's hidden entries: only in answers to the presenter's "
        "requests (`/presenter`, `/control`), never sent over a websocket",
    )


class PresenterState(SessionState):
    """The session state plus what only the presenter's screens see."""

    presenter: PresenterInfo


# --- joining, answering, control ------------------------------------------------------------


class JoinRequest(Wire):
    """Empty for a new participant; a returning phone sends the token it holds."""

    participant: str | None = Field(None, description="a token from an earlier join")
    key: str | None = Field(None, description="the join key from the QR code's URL (?k=)")
    name: str | None = Field(
        None,
        description="a nickname (decks with a quiz only): trimmed, at most 24 characters, "
        "refused if offensive; made unique in the session with a number (`Anna 2`)",
    )


class PhoneCheck(Wire):
    """What the venue check page measured on a phone."""

    rtt_ms: int = Field(ge=0, le=60000, description="round trip to the server in ms")


class PhoneChecked(Wire):
    ok: Literal[True]
    at: str


class Joined(Wire):
    participant: str = Field(description="the signed participant token (also set as a cookie)")
    name: str | None = Field(None, description="the nickname given, when one was asked for")


class MyStanding(Wire):
    """This participant's place on the live leaderboard."""

    name: str
    score: int
    rank: int | None = Field(description="null: no points yet")
    of: int = Field(description="how many participants scored")


class QuizAnswer(Wire):
    options: list[str]
    ms: int = Field(description="ms after voting opened when the server took the answer")
    right: bool | None = Field(None, description="once the round is over (in /me): right?")
    points: int | None = Field(
        None, description="once the round is over (in /me): the points it earned"
    )


Answer = str | list[str] | dict[str, int]


class AnswerRequest(Wire):
    """One answer; answering again replaces the earlier one."""

    participant: str | None = Field(
        None, description="the participant token (else the `rondvraag_p_{code}` cookie)"
    )
    question: str = Field(description="the live question's id", examples=["rol"])
    answer: Answer = Field(
        description="choice: an option id or a list of them; wordcloud/open: a string or a "
        "list of strings; scales: {statement_id: whole number}; ranking: a list of option "
        "ids, best first",
        examples=["vdab"],
    )


class AnswerAccepted(Wire):
    ok: Literal[True]
    question: str
    answer: list[str] | dict[str, int] | QuizAnswer = Field(
        description="normalised: choice and text answers as a list, scales as an object, "
        "quiz as {options, ms}"
    )
    replaced: bool = Field(description="true when this replaced an earlier answer")


# --- audience Q&A (type: qa) -----------------------------------------------------------------


class QaStatus(Wire):
    status: Literal["pending", "shown", "hidden", "answered"] = Field(
        description="pending: waits for the presenter's approval (the presenter sees it, "
        "nobody else); hidden: the presenter took it away; answered: done"
    )
    pinned: bool = Field(description="highlighted on the projector, listed first")


class QaAsked(QaStatus):
    """One question a participant asked, as their answer row holds it."""

    id: str
    text: str
    at: str = Field(description="when it was asked (ISO 8601 UTC)")


class QaRow(Wire):
    """A participant's answer to a Q&A slide: what they asked and what they upvoted."""

    asked: list[QaAsked]
    up: list[str] = Field(description="ids of the entries this participant upvotes")


class QaEntry(QaAsked):
    votes: int = Field(description="participants upvoting it")


class QaAsk(Wire):
    """A question for the room; a participant may ask several (the slide's `max_questions`)."""

    participant: str | None = Field(
        None, description="the participant token (else the `rondvraag_p_{code}` cookie)"
    )
    text: str = Field(description="the question, as an open answer (trimmed, length-limited)")


class QaAsked201(Wire):
    id: str = Field(description="the new entry's id", examples=["Y1uuvgDgUcIwqfg0"])


class QaVote(Wire):
    """An upvote (`up: true`) or taking it back (`up: false`); one per participant and entry."""

    participant: str | None = Field(
        None, description="the participant token (else the `rondvraag_p_{code}` cookie)"
    )
    up: bool


class QaVoted(Wire):
    id: str
    up: bool = Field(description="whether this participant now upvotes the entry")


class QaModerate(Wire):
    """The presenter's decision: approve (shown), hide, answered, pin (also shows), unpin."""

    action: Literal["approve", "hide", "answered", "pin", "unpin"]


class QaModerated(QaStatus):
    id: str


class QaEntries(Wire):
    """Every entry of a Q&A slide in its current round, pending and hidden ones included."""

    id: str
    type: Literal["qa"]
    round: int
    responses: int = Field(description="participants who asked or upvoted")
    entries: list[QaEntry] = Field(description="pinned first, then by votes, then oldest first")
    pending: int
    hidden: int


AnswerHeld = list[str] | dict[str, int] | QaRow | QuizAnswer


class MyAnswers(Wire):
    answers: dict[str, AnswerHeld] = Field(
        description="this participant's answers in each question's current round"
    )


class ControlRequest(Wire):
    """A presenter action. `goto` needs `question`; `reveal`, `hide`, `reset`, `open` and
    `close` act on the live question unless `question` names another. `split` (with `by`)
    splits the presenter's screens by a choice question's answer; `compare` shows or stops
    showing the live question's rounds side by side there."""

    action: Literal[ACTIONS]  # type: ignore[valid-type]
    question: str | None = Field(None, description="a slide id")
    entry: str | None = Field(
        None,
        description="`hide_entry`/`show_entry`/`approve_entry`: a free-text entry as the "
        "results show it",
    )
    from_: str | None = Field(
        None, alias="from", description="`merge_entries`/`unmerge_entries`: the entry merged"
    )
    into: str | None = Field(None, description="`merge_entries`: the entry it counts as")
    seconds: int | None = Field(
        None, description="`timer`: start or restart it on the live question; 0 stops it"
    )
    participants: int | None = Field(
        None,
        ge=1,
        le=MAX_REHEARSAL,
        description="`rehearse`: how many simulated participants answer the live question",
    )
    by: str | None = Field(
        None,
        description="`split`: the choice question whose answer splits the presenter's view "
        "into groups, or null for no split (required with `split`)",
    )


# --- results and exports --------------------------------------------------------------------


class StatementResult(Wire):
    count: int
    mean: float | None
    counts: dict[str, int]
    ci: list[float] | None = Field(None, description="95 % t interval of the mean [low, high]")
    median: float | None = None
    q1: float | None = Field(None, description="first quartile (as QUARTILE.INC)")
    q3: float | None = Field(None, description="third quartile (as QUARTILE.INC)")


class Result(Wire):
    """One question's results in one round; the fields after `responses` depend on its type."""

    id: str
    type: str
    round: int
    responses: int = Field(description="how many participants answered")
    counts: dict[str, int] | None = Field(None, description="choice, wordcloud")
    statements: dict[str, StatementResult] | None = Field(None, description="scales")
    answers: list[str] | None = Field(None, description="open")
    held: list[str] | None = Field(
        None,
        description="wordcloud, open: entries waiting for the presenter's approval (the "
        "deck's `moderation`), absent from `counts`/`answers` and from every phone",
    )
    ci: dict[str, list[float] | None] | None = Field(
        None, description="choice: each option's share of respondents, 95 % Wilson [low, high]"
    )
    segments: dict[str, dict[str, Any]] | None = Field(
        None,
        description="with ?by=: this result per group (option id, or `_none` for those who did "
        'not answer it); `{"suppressed": true}` for a group below the deck\'s min_group',
    )
    segments_by: str | None = Field(None, description="with ?by=: the question that split it")
    rounds: list[dict[str, Any]] | None = Field(
        None, description="with ?rounds=all: this question's result in every round, oldest first"
    )
    entries: list[QaEntry] | None = Field(None, description="qa")
    rehearsal: bool | None = Field(
        None,
        description="the question is being rehearsed: the result includes simulated answers "
        "(never stored, never in an export)",
    )


class Results(Wire):
    questions: list[Result]
    leaderboard: list[Standing] | None = Field(
        None, description="decks with a leaderboard: every participant who scored, ranked"
    )


class ExportSession(Wire):
    code: str
    deck: str
    title: str
    event: str
    date: str
    language: str
    created_at: str
    participants: int
    respondents: int
    rounds: dict[str, int]


class ExportResponse(Wire):
    question: str
    round: int
    participant: str = Field(description="a pseudonym like P0007, never the token")
    answer: AnswerHeld
    submitted_at: str


class ExportDocument(Wire):
    """Everything about one session: its deck, every response, the tallies of every round."""

    format: Literal["rondvraag-export"]
    version: int
    exported_at: str
    session: ExportSession
    deck: dict[str, Any]
    results: list[Result]
    leaderboard: list[Standing] | None = Field(
        None, description="decks with a leaderboard: every participant who scored, ranked"
    )
    earlier_results: list[Result]
    responses: list[ExportResponse]
