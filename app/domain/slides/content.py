"""Content slides: a heading, a short Markdown body and links, so a whole talk can run here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from ..reader import FieldReader
from .base import Slide, register

# CommonMark with raw HTML switched off: `<script>` in a deck is shown as text, never run.
# markdown-it also refuses javascript:/vbscript:/data: link targets.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str) -> str:
    return _MARKDOWN.render(source) if source else ""


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
        body = reader.text("body")
        links = []
        for r in reader.items("links", required=False):
            url = r.text("url", required=True)
            if url and not url.startswith(("http://", "https://")):
                r.error("url", f"link {url!r} must start with http:// or https://")
            links.append(Link(r.text("label") or url, url))
            r.finish()
        if not common["title"] and not body:
            reader.error(None, "a content slide needs a 'title' or a 'body'")
        return cls(**common, body=body, body_html=render_markdown(body), links=tuple(links))

    def public(self) -> dict[str, Any]:
        view = Slide.public(self)
        view["body_html"] = self.body_html
        view["links"] = [{"label": link.label, "url": link.url} for link in self.links]
        return view


@register("join")
@dataclass(frozen=True, slots=True, kw_only=True)
class Join(Slide):
    """Shows the QR code, join code and URL full screen, so the room can get in."""
