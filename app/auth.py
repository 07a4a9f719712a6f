"""Admin tokens and signed participant tokens.

A participant token is `ID.SIGNATURE`: the server signs a random id together with the session
code, so tokens cannot be forged or carried over to another session, and the server needs no
lookup to trust one. The participant id never leaves the server in exports (pseudonyms do).

The presenter's login cookie is not the admin token: it is a signed, expiring session value
whose key is derived from the admin token, so restarting with a new token ends every login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

ADMIN_COOKIE = "rondvraag_admin"


def participant_cookie(code: str) -> str:
    return f"rondvraag_p_{code}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, code: str, participant_id: str) -> str:
        mac = hmac.new(self._secret, f"{code}:{participant_id}".encode(), hashlib.sha256)
        return _b64(mac.digest()[:18])

    def issue(self, code: str) -> tuple[str, str]:
        """A new participant: (token for the phone, participant id for the server)."""
        participant_id = _b64(secrets.token_bytes(12))
        return f"{participant_id}.{self._signature(code, participant_id)}", participant_id

    def verify(self, code: str, token: object) -> str | None:
        """The participant id if the token was issued by us for this session, else None."""
        # Tokens are ASCII; compare_digest raises on other text (a 500, not a 403).
        if not isinstance(token, str) or len(token) > 100 or not token.isascii():
            return None
        if token.count(".") != 1:
            return None
        participant_id, signature = token.split(".")
        expected = self._signature(code, participant_id)
        if not participant_id or not hmac.compare_digest(signature, expected):
            return None
        return participant_id

    def mint(self, scope: str) -> str:
        """A new id within `scope` (e.g. one question's round in one session) that this server
        recognises later without a lookup: 8 random characters and 8 of signature."""
        nonce = _b64(secrets.token_bytes(6))
        return nonce + self._scoped(scope, nonce)

    def minted(self, scope: str, value: object) -> bool:
        """Whether `value` is an id `mint(scope)` handed out."""
        if not isinstance(value, str) or len(value) != 16 or not value.isascii():
            return False
        return hmac.compare_digest(value[8:], self._scoped(scope, value[:8]))

    def _scoped(self, scope: str, nonce: str) -> str:
        mac = hmac.new(self._secret, f"id:{scope}:{nonce}".encode(), hashlib.sha256)
        return _b64(mac.digest()[:6])


def admin_token_matches(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class AdminSessions:
    """Signed, expiring presenter logins: `EXPIRES.NONCE.SIGNATURE`."""

    def __init__(self, secret: bytes, admin_token: str, lifetime_s: int = 12 * 3600) -> None:
        self._key = hmac.new(secret, b"admin-session:" + admin_token.encode(), "sha256").digest()
        self.lifetime_s = lifetime_s

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + self.lifetime_s)
        payload = f"{expires}.{_b64(secrets.token_bytes(9))}"
        return f"{payload}.{self._signature(payload)}"

    def valid(self, value: str | None, now: float | None = None) -> bool:
        if not value or len(value) > 200 or not value.isascii() or value.count(".") != 2:
            return False
        payload, _, signature = value.rpartition(".")
        if not hmac.compare_digest(signature, self._signature(payload)):
            return False
        expires = payload.split(".", 1)[0]
        return expires.isdigit() and int(expires) > (time.time() if now is None else now)
