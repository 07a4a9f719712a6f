"""The deck loader: the reference decks load, and each kind of broken deck names FILE:LINE."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.errors import DeckError
from app.domain.loader import load_deck, parse_deck

REPO = Path(__file__).resolve().parent.parent

GOOD_HEAD = "title: Test\nslides:\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckError) as caught:
        parse_deck(text, filename="deck.yaml")
    return [str(p) for p in caught.value.problems]


def test_reference_deck_has_the_four_interactive_moments() -> None:
    deck = load_deck(REPO / "questions" / "samenwerking.yaml")
    assert deck.language == "nl"
    assert [(q.id, q.type_name) for q in deck.questions] == [
        ("rol", "choice"),
        ("drijfveren", "wordcloud"),
        ("stellingen", "scales"),
        ("onthouden", "open"),
    ]
    rol = deck.question("rol")
    assert [o.id for o in rol.options] == [
        "lokaal-bestuur", "vakbond", "vdab", "vlaamse-overheid", "derden",
        "werkgevers", "wsg", "bedrijf", "andere",
    ]  # fmt: skip
    stellingen = deck.question("stellingen")
    assert [s.id for s in stellingen.statements] == [
        "overeenkomst", "expert", "vertrouwen", "klein-beginnen",
    ]  # fmt: skip
    assert (stellingen.low, stellingen.high) == (1, 5)
    assert stellingen.low_label == "Helemaal oneens"
    assert stellingen.high_label == "Helemaal eens"
    assert deck.question("drijfveren").max_answers == 5
    assert deck.question("onthouden").max_answers == 5


def test_english_example_deck_loads() -> None:
    deck = load_deck(REPO / "questions" / "example-en.yaml")
    assert deck.language == "en"
    assert {s.type_name for s in deck.slides} >= {"content", "join", "choice", "scales"}


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            GOOD_HEAD + "  - type: trivia\n    id: q\n",
            "deck.yaml:3: slide 1: unknown slide type 'trivia'",
        ),
        (
            GOOD_HEAD + "  - type: choice\n    id: q\n    prompt: P\n    optoins: []\n",
            "deck.yaml:6: slide 1 (q): unknown key 'optoins'",
        ),
        (
            GOOD_HEAD + "  - type: choice\n    id: q\n    prompt: P\n",
            "deck.yaml:3: slide 1 (q): missing 'options'",
        ),
        (
            GOOD_HEAD + "  - type: scales\n    id: q\n    prompt: P\n    scale: {min: 1, max: 5}\n",
            "deck.yaml:3: slide 1 (q): missing 'statements'",
        ),
        (
            GOOD_HEAD
            + "  - type: wordcloud\n    id: a\n    prompt: P\n"
            + "  - type: open\n    id: a\n    prompt: P\n",
            "deck.yaml:7: slide 2 (a): duplicate slide id 'a' (also slide 1)",
        ),
        (
            GOOD_HEAD
            + "  - type: choice\n    id: q\n    prompt: P\n    options:\n"
            + "      - {id: x, label: X}\n      - {id: x, label: Y}\n",
            "deck.yaml:8: slide 1 (q), options[2]: duplicate option id 'x'",
        ),
        (
            GOOD_HEAD
            + "  - type: scales\n    id: q\n    prompt: P\n    statements:\n"
            + "      - {id: s, label: S}\n      - {id: s, label: T}\n"
            + "    scale: {min: 1, max: 5}\n",
            "deck.yaml:8: slide 1 (q), statements[2]: duplicate statement id 's'",
        ),
        (
            GOOD_HEAD
            + "  - type: scales\n    id: q\n    prompt: P\n    statements: [{id: s, label: S}]\n"
            + "    scale:\n      min: 5\n      max: 1\n",
            "deck.yaml:9: slide 1 (q), scale: max (1) must be greater than min (5)",
        ),
        (
            GOOD_HEAD + "  - type: wordcloud\n    id: q\n    prompt: P\n    max_answers: 11\n",
            "deck.yaml:6: slide 1 (q): 'max_answers' is 11, must be between 1 and 10",
        ),
        (
            GOOD_HEAD + "  - type: open\n    id: q\n    prompt: '   '\n",
            "deck.yaml:5: slide 1 (q): 'prompt' is empty",
        ),
        (
            GOOD_HEAD + "  - type: open\n    id: Q!\n    prompt: P\n",
            "deck.yaml:4: slide 1: id 'Q!' must be lowercase",
        ),
        (
            GOOD_HEAD
            + "  - type: choice\n    id: q\n    prompt: P\n    multiple: 3\n    options:\n"
            + "      - {id: x, label: X}\n      - {id: y, label: Y}\n",
            "deck.yaml:6: slide 1 (q): 'multiple' is 3, must be between 1 and 2",
        ),
        (
            GOOD_HEAD + "  - type: content\n    links: [{url: 'javascript:alert(1)'}]\n",
            "deck.yaml:4: slide 1, links[1]: link 'javascript:alert(1)' must start with http",
        ),
        ("title: Test\nlangauge: nl\nslides: []\n", "deck.yaml:2: deck: unknown key 'langauge'"),
        ("title: T\nslides: []\n", "deck.yaml:2: deck: 'slides' needs at least 1 entries"),
        ("title: T\ndate: 13 juni\nslides: [{type: join}]\n", "deck.yaml:2: deck: 'date' is"),
        ("title: T\nslides:\n  - type: join\n   - oops\n", "deck.yaml:4: malformed YAML"),
        ("", "deck.yaml:1: the file is empty"),
        ("- a\n- b\n", "deck.yaml:1: a deck must be a mapping"),
        (
            "title: !!python/object/apply:os.system ['echo pwned']\nslides: []\n",
            "deck.yaml:1: unsupported YAML tag",
        ),
        ("title: T\ntitle: U\nslides: []\n", "deck.yaml:2: duplicate key 'title'"),
        (
            "title: T\nsegment_by: open\nslides:\n  - type: open\n    id: open\n    prompt: P\n",
            "deck.yaml:2: deck: 'segment_by' is 'open', must be a choice question's id (none",
        ),
        (
            "title: T\nslides:\n  - {type: choice, id: rol, prompt: P, options: "
            "[{id: a, label: A}, {id: b, label: B}]}\nsegment_by: rl\n",
            "deck.yaml:4: deck: 'segment_by' is 'rl', must be a choice question's id (rol)",
        ),
    ],
)
def test_broken_deck_reports_file_line_and_what(yaml_text: str, expected: str) -> None:
    problems = problems_of(yaml_text)
    assert any(p.startswith(expected) for p in problems), problems


def test_segment_by_names_the_choice_question_that_splits_the_report() -> None:
    deck = parse_deck(
        "title: T\nsegment_by: rol\nslides:\n"
        "  - {type: choice, id: rol, prompt: P, options: [{id: a, label: A}, {id: b, label: B}]}\n",
        filename="deck.yaml",
    )
    assert deck.segment_by == "rol"
    assert load_deck(REPO / "questions" / "samenwerking.yaml").segment_by == ""


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = (
        "title: T\nslides:\n"
        "  - type: choice\n    id: a\n    prompt: P\n    optoins: []\n"
        "  - type: wordcloud\n    id: b\n    prompt: ''\n"
    )
    problems = problems_of(text)
    assert len(problems) >= 3
    assert [int(p.split(":")[1]) for p in problems] == sorted(
        int(p.split(":")[1]) for p in problems
    )


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = "title: T\n" + "\n".join(lines) + "\nslides: [{type: join}]\n"
    problems = problems_of(text)
    assert any("expands to more than" in p for p in problems), problems


DEEP = 500  # far past MAX_DEPTH, and deep enough to exhaust Python's stack without the bound


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            GOOD_HEAD + "  - type: join\nx: " + "[" * DEEP + "]" * DEEP + "\n",
            "deck.yaml:4: nesting deeper than 20 levels",
        ),
        (
            GOOD_HEAD + "  - type: join\nx: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",
            "deck.yaml:4: nesting deeper than 20 levels",
        ),
        (
            GOOD_HEAD + "  - type: join\nx:\n" + "".join("  " * i + "-\n" for i in range(1, DEEP)),
            "deck.yaml:24: nesting deeper than 20 levels",
        ),
        (
            GOOD_HEAD + "  - type: join\nx:\n" + "".join("  " * i + "a:\n" for i in range(1, DEEP)),
            "deck.yaml:24: nesting deeper than 20 levels",
        ),
        (
            GOOD_HEAD
            + "  - type: content\n    title: Hoi\n    links: "
            + "[" * DEEP
            + "]" * DEEP
            + "\n",
            "deck.yaml:5: nesting deeper than 20 levels",
        ),
        (
            "title: T\nslides: [{type: join}]\na: &a "
            + "[" * 15
            + "1"
            + "]" * 15
            + "\nb: "
            + "[" * 10
            + "*a"
            + "]" * 10
            + "\n",
            "deck.yaml:3: nesting deeper than 20 levels",
        ),
        (
            "title: T\nslides: [{type: join}]\nx: &a [1, *a]\n",
            "deck.yaml:3: a YAML alias refers to the list or mapping that contains it",
        ),
        (
            "title: T\nslides: [{type: join}]\nx: &a {b: *a}\n",
            "deck.yaml:3: a YAML alias refers to the list or mapping that contains it",
        ),
    ],
    ids=[
        "flow-lists",
        "flow-mappings",
        "block-lists",
        "block-mappings",
        "inside-content-slide",
        "stacked-by-alias",
        "list-containing-itself",
        "mapping-containing-itself",
    ],
)
def test_deep_nesting_is_a_deck_error_not_a_recursion_error(yaml_text: str, expected: str) -> None:
    problems = problems_of(yaml_text)
    assert any(p.startswith(expected) for p in problems), problems


def test_nesting_at_the_limit_still_loads_far_enough_to_report_the_real_problem() -> None:
    nineteen = "[" * 19 + "]" * 19  # inside the deck mapping: 20 levels in all
    problems = problems_of("title: T\nslides: [{type: join}]\nx: " + nineteen + "\n")
    assert problems == ["deck.yaml:3: deck: unknown key 'x'"]


def test_many_small_values_stop_at_the_value_limit_while_composing() -> None:
    problems = problems_of("title: T\nslides: [{type: join}]\nx: [" + "1, " * 300_000 + "]\n")
    assert problems == ["deck.yaml:3: the document has more than 50000 values"]


def test_oversized_deck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("title: T\nslides: [{type: join}]\n# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert f"{path}:1:" in str(caught.value)


def test_markdown_body_cannot_carry_raw_html() -> None:
    deck = parse_deck(
        GOOD_HEAD + '  - type: content\n    body: "Hoi <script>alert(1)</script> **vet**"\n'
    )
    html = deck.slides[0].public()["body_html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>vet</strong>" in html


def content_slide(body: str) -> str:
    """A content slide whose body is a YAML block, so any Markdown can go in as written."""
    indented = "".join(f"      {line}\n" if line else "\n" for line in body.split("\n"))
    return "  - type: content\n    body: |-\n" + indented


def test_over_long_slide_body_is_refused_at_its_line() -> None:
    problems = problems_of(GOOD_HEAD + "  - type: join\n" + content_slide("x" * 20_001))
    assert problems == [
        "deck.yaml:5: slide 2: 'body' has 20,001 characters; a slide's body may have at most 20,000"
    ]


def test_bodies_over_the_deck_wide_limit_are_refused_at_the_slide_that_passes_it() -> None:
    slides = "".join(content_slide("abcd " * 4_000) for _ in range(8))  # 8 x 20,000
    problems = problems_of(GOOD_HEAD + slides)
    assert problems == [
        "deck.yaml:19: slide 6: the bodies of all content slides together pass 100,000 characters"
    ]


@pytest.mark.parametrize(
    "body",
    [
        "![" * 10_000,  # link and image labels: the slowest per character
        "- a\n" * 4_999 + "- ab",  # a token per item: the most memory per character
        "*a" * 10_000,  # emphasis delimiters
        "[a]: https://example.org\n\n" + "[a]" * 6_658,  # reference links
    ],
    ids=["image-labels", "list-items", "emphasis", "reference-links"],
)
def test_a_body_at_the_limit_made_of_the_worst_markdown_still_loads(body: str) -> None:
    assert len(body) == 20_000
    deck = parse_deck(GOOD_HEAD + content_slide(body))
    assert deck.slides[0].body == body
    assert deck.slides[0].body_html


def test_bodies_up_to_the_deck_wide_limit_load() -> None:
    slides = "".join(content_slide("abcd " * 4_000) for _ in range(5))
    assert len(parse_deck(GOOD_HEAD + slides).slides) == 5


@pytest.mark.parametrize(
    ("body", "tag"),
    [(">" * 19_000 + " diep", "<blockquote>"), ("- " * 9_000 + "diep", "<ul>")],
    ids=["quotes", "lists"],
)
def test_deep_markdown_nests_at_most_maxnesting_levels(body: str, tag: str) -> None:
    html = parse_deck(GOOD_HEAD + content_slide(body)).slides[0].body_html
    assert 1 <= html.count(tag) <= 20


def test_notes_never_reach_the_public_view() -> None:
    deck = parse_deck(GOOD_HEAD + "  - type: join\n    notes: geheim\n")
    assert "geheim" not in str(deck.slides[0].public())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, cwd=REPO, timeout=60
    )


def test_validate_command_lists_the_interactive_ids() -> None:
    result = run_cli("validate", "questions/samenwerking.yaml", "questions/example-en.yaml")
    assert result.returncode == 0, result.stderr
    for ident in ("rol", "drijfveren", "stellingen", "onthouden"):
        assert f" {ident} " in result.stdout


def test_validate_command_exits_1_with_file_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: T\nslides:\n  - type: choice\n    id: x\n    prompt: P\n    foo: 1\n")
    result = run_cli("validate", str(broken), "questions/samenwerking.yaml")
    assert result.returncode == 1
    assert f"{broken}:3: slide 1 (x): missing 'options'" in result.stderr
    assert f"{broken}:6: slide 1 (x): unknown key 'foo'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "questions/samenwerking.yaml: OK" in result.stdout


def test_serve_refuses_a_broken_deck_with_file_line_and_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "talk.yaml"
    broken.write_text(
        "title: T\nslides:\n  - type: wordcloud\n    id: w\n    prompt: P\n    max: 3\n"
    )
    result = run_cli("serve", str(broken), "--port", "0", "--data", str(tmp_path / "data"))
    assert result.returncode == 1
    assert f"{broken}:6: slide 1 (w): unknown key 'max'" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_and_serve_refuse_a_deeply_nested_deck_with_file_line(tmp_path: Path) -> None:
    deep = tmp_path / "talk.yaml"
    deep.write_text("title: T\nslides:\n  - type: join\nx: " + "[" * 500 + "]" * 500 + "\n")
    for args in (("validate",), ("serve", "--port", "0", "--data", str(tmp_path / "data"))):
        result = run_cli(args[0], str(deep), *args[1:])
        assert result.returncode == 1, result.stderr
        assert f"{deep}:4: nesting deeper than 20 levels" in result.stderr
        assert "Traceback" not in result.stderr


def test_validate_piped_into_head_ends_quietly() -> None:
    result = subprocess.run(
        f"{sys.executable} -m app validate questions/samenwerking.yaml questions/*.yaml | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.stdout.startswith("questions/samenwerking.yaml: OK")
    assert "Traceback" not in result.stderr


def test_an_example_the_slide_would_refuse_is_a_deck_error_on_its_line() -> None:
    """`examples:` feed a rehearsal's simulated room: one a phone could not send (longer than
    the slide's max_length) is refused with its line, not shown on the projector."""
    text = (
        "title: T\nslides:\n  - type: wordcloud\n    id: q\n    prompt: P\n    max_length: 5\n"
        "    examples:\n      - kort\n      - veel te lang\n"
    )
    with pytest.raises(DeckError) as refused:
        parse_deck(text, filename="deck.yaml")
    message = str(refused.value)
    assert "deck.yaml:7:" in message
    assert "'examples' entry 2 would be refused" in message
    assert "at most 5 characters" in message
