"""The presenter's side of the HTTP API: find the session, steer slides, read results."""

from __future__ import annotations

from typing import Any

import httpx


class AdminError(Exception):
    """An admin call did not get the answer the protocol promises."""


class Admin:
    def __init__(self, base_url: str, token: str) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=30,
        )

    async def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if method == "POST" and body is None:
            body = {}  # every POST is JSON (Content-Type: application/json), never bodiless
        response = await self._client.request(method, path, json=body)
        if response.status_code // 100 != 2:
            raise AdminError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        return response.json()

    async def session_code(self) -> str:
        """The join code of the (first) session the server runs."""
        sessions = (await self._json("GET", "/api/sessions"))["sessions"]
        if not sessions:
            raise AdminError("GET /api/sessions lists no session")
        return str(sessions[0]["code"])

    async def state(self, code: str) -> dict[str, Any]:
        return await self._json("GET", f"/api/sessions/{code}")

    async def control(self, code: str, action: str, question: str | None = None) -> dict[str, Any]:
        """POST /control; returns the presenter state after the change."""
        body: dict[str, Any] = {"action": action}
        if question is not None:
            body["question"] = question
        return await self._json("POST", f"/api/sessions/{code}/control", body)

    async def responses_per_question(self, code: str) -> dict[str, int]:
        """`responses` of every question, from GET /results (the stored truth)."""
        results = (await self._json("GET", f"/api/sessions/{code}/results"))["questions"]
        return {r["id"]: int(r["responses"]) for r in results}

    async def result(self, code: str, question: str) -> dict[str, Any]:
        """One question's RESULT (current round) from GET /results."""
        for result in (await self._json("GET", f"/api/sessions/{code}/results"))["questions"]:
            if result["id"] == question:
                return result
        raise AdminError(f"GET /results has no question {question!r}")

    async def close(self) -> None:
        await self._client.aclose()
