"""What a browser keeps, and the keys that make it safe to keep there: its owner cookie and its
saved API token. No gradio here.

The server holds one secret (32 random bytes in `private/browser-keys`, never served, never in
a page). Each browser gets a cookie of its own: a random part and an HMAC of it under that
secret, so a forged or altered cookie is told apart and never used. From the cookie's random
part and the secret come, one way (HMAC-SHA256, one label each):

- the browser's history owner id (the history stores this, never the cookie), and
- the key that seals the browser's API token (AES-256-GCM); the sealed token is all the
  browser's localStorage holds.

So the token opens only with the cookie *and* the server's secret: not from localStorage, nor
from the page or its config, nor from the server's disk (which has the secret and the owner ids,
but no cookie). The cookie is HttpOnly (`playground.ui.serving.browser_cookie`): the page's scripts
never see it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from playground.config import private_dir

KEY_FILE = "browser-keys"
# The secret of earlier releases: it was handed to every page (Gradio's BrowserState encrypts in
# the browser, with a key in the page's config), so it protects nothing and is deleted.
OLD_SECRET = "ui-browser-secret"
COOKIE_PREFIX = "playground-browser-"
SEALED_PREFIX = "sealed-token:v1:"
_NONCE = 32  # the cookie's random part, in bytes
_AAD = b"replicate-playground api token v1"
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    """The bytes of `text`, or None unless it is their one canonical encoding (an altered
    character that base64 would tolerate is still an altered cookie)."""
    if not _B64.match(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None


@dataclass(frozen=True)
class Browser:
    """One browser, known by a cookie the server made: whose history, and its token's key."""

    owner: str
    token_key: bytes = field(repr=False)

    def seal(self, token: str) -> str:
        """The token as this browser may keep it: readable only with its cookie again."""
        nonce = os.urandom(12)
        box = AESGCM(self.token_key).encrypt(nonce, token.encode("utf-8"), _AAD)
        return SEALED_PREFIX + _b64(nonce + box)

    def unseal(self, sealed: str) -> str | None:
        """The token `seal` made for this browser; None for anything else (another
        browser's, an altered one, or one from before its cookie was replaced)."""
        data = _unb64(sealed.removeprefix(SEALED_PREFIX)) if is_sealed(sealed) else None
        if data is None or len(data) <= 12 + 16:
            return None
        try:
            return AESGCM(self.token_key).decrypt(data[:12], data[12:], _AAD).decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            return None


def is_sealed(value: object) -> bool:
    """Whether `value` is a sealed token (else it is a token as an API client sends it)."""
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


class BrowserKeys:
    """The server's secret, and what it makes: cookies, and the browsers they name."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the browser key must be at least 16 bytes")
        self._secret = secret
        # Named after the key: two playgrounds on one host (cookies ignore the port) keep
        # a cookie each instead of replacing each other's.
        self.cookie_name = COOKIE_PREFIX + self._derive(b"cookie-name").hex()[:12]

    @classmethod
    def load(cls, data: Path) -> BrowserKeys:
        """The data directory's key (made on first use), stable across restarts."""
        return cls(_load_secret(data))

    def _derive(self, label: bytes, value: bytes = b"") -> bytes:
        return hmac.new(self._secret, label + b"\0" + value, hashlib.sha256).digest()

    def new_cookie(self) -> str:
        """A cookie for a browser the server has not seen: a random part and its HMAC."""
        nonce = secrets.token_bytes(_NONCE)
        return f"{_b64(nonce)}.{_b64(self._derive(b'cookie', nonce))}"

    def browser(self, cookie: object) -> Browser | None:
        """The browser `cookie` names, or None when it is missing, malformed or not made
        with this server's key (forged, altered, or another server's)."""
        if not isinstance(cookie, str) or len(cookie) > 200:
            return None
        part, _, mac = cookie.partition(".")
        nonce, given = _unb64(part), _unb64(mac)
        if nonce is None or given is None or len(nonce) != _NONCE:
            return None
        if not hmac.compare_digest(given, self._derive(b"cookie", nonce)):
            return None
        # 18 bytes: a 24-character id, the form the history takes for an owner
        return Browser(_b64(self._derive(b"owner", nonce)[:18]), self._derive(b"token", nonce))

    def client_owner(self, token: str | None) -> str:
        """The history owner of an API client that keeps no cookie (an MCP agent): one for
        each API token it sends, one for every client that sends none. Stable across restarts
        (the server's key), and the token cannot be read back from it."""
        value = (token or "").encode("utf-8", "surrogatepass")
        return _b64(self._derive(b"client-owner", value)[:18])


def _load_secret(data: Path) -> bytes:
    try:
        folder = private_dir(data)
    except OSError:  # a read-only data dir: cookies then last until the app restarts
        return secrets.token_bytes(32)
    for old in (folder / OLD_SECRET, data / OLD_SECRET):
        try:
            old.unlink(missing_ok=True)
        except OSError:
            pass
    path = folder / KEY_FILE
    found = _read_secret(path)
    if found is not None:
        return found
    value = secrets.token_bytes(32)
    try:
        return _create_secret(path, value)
    except OSError:  # a read-only data dir: cookies then last until the app restarts
        return value


def _read_secret(path: Path) -> bytes | None:
    try:
        found = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return found if len(found) >= 32 else None


def _create_secret(path: Path, value: bytes) -> bytes:
    """Written whole to a temporary file, then linked into place only if no key is there: of
    two apps starting at once on one data dir, both keep the first key. A damaged key file is
    replaced (browsers then get new cookies, and paste their tokens again)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value.hex())
        try:
            os.link(tmp, path)
        except FileExistsError:
            found = _read_secret(path)
            if found is not None:
                return found
            os.replace(tmp, path)
        return value
    finally:
        tmp.unlink(missing_ok=True)
