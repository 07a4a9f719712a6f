"""Content slides: a heading, a short Markdown body and links, so a whole talk can run here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from ..reader import FieldReader
from .base import Slide, register

# Rendering costs about 10-20 µs and up to 500 bytes per character of the worst Markdown
# (runs of `![` or `[`, thousands of one-line list items or paragraphs, `*a*a*a…`): a 600 KB
# body took 6-13 s and 200-300 MiB. A projected slide holds about 1,000 characters (the
# reference deck's longest body has 379, all 18 together 2,840), so 20,000 per slide is ten
# pages nobody will project, and 100,000 for the whole deck is 35 times the reference deck.
# At those limits the worst body renders in under half a second, a whole deck in about two.
MAX_BODY_CHARS = 20_000
MAX_DECK_BODY_CHARS = 100_000

# CommonMark with raw HTML switched off: `<script>` in a deck is shown as text, never run.
# markdown-it also refuses javascript:/vbscript:/data: link targets. `maxNesting` bounds the
# depth of quotes, lists, emphasis and links, so `>>>>…` or `[[[[…` never recurses deeply
# (deeper quotes and lists are left out, deeper inline markup stays text); it is the preset's
# value, stated here so a change of preset (the "default" one allows 100, and the `[` runs
# cost about five times as much there) cannot raise it unnoticed.
_MARKDOWN = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False, "maxNesting": 20}
)


def render_markdown(source: str) -> str:
    return _MARKDOWN.render(source) if source else ""


def _read_body(reader: FieldReader) -> tuple[str, bool]:
    """The slide's Markdown body, and whether it is within the limits and may be rendered.

    Both limits are checked before rendering, which is the expensive part; a body past
    either is not rendered (the deck fails to load anyway). The deck-wide limit is reported
    once, at the slide whose body passes it, not again for every slide after it.
    """
    body = reader.text("body")
    if len(body) > MAX_BODY_CHARS:
        reader.error(
            "body",
            f"'body' has {len(body):,} characters; a slide's body may have at most "
            f"{MAX_BODY_CHARS:,}",
        )
        return body, False
    problems = reader.problems
    before = problems.markdown_chars
    problems.markdown_chars += len(body)
    if problems.markdown_chars <= MAX_DECK_BODY_CHARS:
        return body, True
    if before <= MAX_DECK_BODY_CHARS:  # said once, at the slide that passes the limit
        reader.error(
            "body",
            f"the bodies of all content slides together pass {MAX_DECK_BODY_CHARS:,} characters",
        )
    return body, False


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class Content(Slide):
    body: str = ""
    body_html: str = ""
    links: tuple[Link, ...] = ()

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Content:
        body, renderable = _read_body(reader)
        links = []
        for r in reader.items("links", required=False):
            url = r.text("url", required=True)
            if url and not url.startswith(("http://", "https://")):
                r.error("url", f"link {url!r} must start with http:// or https://")
            links.append(Link(r.text("label") or url, url))
            r.finish()
        if not common["title"] and not body:
            reader.error(None, "a content slide needs a 'title' or a 'body'")
        body_html = render_markdown(body) if renderable else ""
        return cls(**common, body=body, body_html=body_html, links=tuple(links))

    def public(self) -> dict[str, Any]:
        view = Slide.public(self)
        view["body_html"] = self.body_html
        view["links"] = [{"label": link.label, "url": link.url} for link in self.links]
        return view


@register("join")
@dataclass(frozen=True, slots=True, kw_only=True)
class Join(Slide):
    """Shows the QR code, join code and URL full screen, so the room can get in."""
