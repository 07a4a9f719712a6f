"""The API docs page at /docs, rendered on the server from the OpenAPI document.

No Swagger UI or ReDoc: those load their scripts from a CDN by default, the room may have no
internet, and pages send `script-src 'self'`. This page needs no script at all; the document
itself is at /openapi.json for tools.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .pages import render

router = APIRouter()

_REF = "#/components/schemas/"
# Raw HTML off, as for decks: the document's text is ours, but it is shown as text all the same.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text))


def markdown_inline(text: str) -> Markup:
    return Markup(_MARKDOWN.renderInline(text))


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def api_docs(request: Request) -> HTMLResponse:
    doc = request.app.openapi()
    return render(request, "api_docs.html", language="en", **docs_view(doc))


def docs_view(doc: dict[str, Any]) -> dict[str, Any]:
    """What the template shows: operations grouped by tag, the schemas, the websockets."""
    groups: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in doc.get("tags", [])}
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(_operation(path, method, operation))
    tag_text = {t["name"]: t.get("description", "") for t in doc.get("tags", [])}
    schemas = doc.get("components", {}).get("schemas", {})
    return {
        "api": doc["info"],
        "openapi_version": doc.get("openapi", ""),
        "intro": markdown(doc["info"].get("description", "")),
        "groups": [
            {"name": name, "description": tag_text.get(name, ""), "operations": ops}
            for name, ops in groups.items()
            if ops
        ],
        "schemas": [_schema(name, schema) for name, schema in schemas.items()],
        "security": doc.get("components", {}).get("securitySchemes", {}),
        "websockets": doc.get("x-websockets", {}),
        "markdown": markdown_inline,
        "markdown_block": markdown,
    }


def _operation(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody")
    return {
        "id": operation.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "admin": bool(operation.get("security")),
        "parameters": [
            {
                "name": p["name"],
                "where": p["in"],
                "required": p.get("required", False),
                "type": type_html(p.get("schema", {})),
                "description": p.get("description", ""),
            }
            for p in operation.get("parameters", [])
        ],
        "body": body
        and {
            "required": body.get("required", False),
            "type": type_html(body["content"]["application/json"]["schema"]),
        },
        "responses": [
            {
                "status": status,
                "description": response.get("description", ""),
                "media": ", ".join(response.get("content", {})),
                "type": next(
                    (type_html(c["schema"]) for c in response.get("content", {}).values()), ""
                ),
            }
            for status, response in operation.get("responses", {}).items()
        ],
    }


def _schema(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required", []))
    return {
        "name": name,
        "description": schema.get("description", ""),
        "fields": [
            {
                "name": field,
                "type": type_html(spec),
                "required": field in required,
                "description": spec.get("description", ""),
            }
            for field, spec in schema.get("properties", {}).items()
        ],
        "type": "" if "properties" in schema else type_html(schema),
    }


def type_html(schema: dict[str, Any]) -> Markup:
    """A JSON schema as a short readable type: `string[]`, `{string: integer}`, a link to a
    named schema, `"a" | "b"` for enums."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "const" in schema:
        return Markup("<code>{}</code>").format(_literal(schema["const"]))
    if "enum" in schema:
        return Markup(" | ").join(
            Markup("<code>{}</code>").format(_literal(v)) for v in schema["enum"]
        )
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return Markup(" | ").join(type_html(s) for s in schema[key])
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("{}[]").format(type_html(schema.get("items", {})))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("{{string: {}}}").format(type_html(schema["additionalProperties"]))
    if schema.get("pattern"):
        return Markup("{} <small>({})</small>").format(kind, schema["pattern"])
    return escape(kind)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
