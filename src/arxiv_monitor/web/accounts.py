"""Who is reading: a lab's accounts in the reading room (``web.accounts = true``).

A reader is signed in by one of:

* a session cookie, set by the login page after their password (argon2) matched: their
  login, an expiry and an HMAC-SHA256 under a key derived from ``web.token``; HttpOnly,
  SameSite=Strict, and checked against the account on every request (a disabled user's
  session ends at once);
* ``Authorization: Bearer <API token>`` (``users add`` prints one), for feeds and scripts;
* a reverse proxy's header (``web.user_header``, e.g. ``X-Forwarded-User``) where the lab
  signs readers in elsewhere (single sign-on): trusted only from a loopback peer, which is
  where such a proxy runs.

Each reader sees the reading room through their own config (``Config.for_user``: their
topics, followed lab topics and language) and their own tables (``open_store(…, login)``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.store import open_store

SESSION_COOKIE = "am_session"
SESSION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class Reader:
    login: str
    role: str
    config: Config  # the lab's config as this reader sees it

    @property
    def may_rate(self) -> bool:
        return self.role != "guest"


def check(config: Config) -> None:
    """Accounts need a PostgreSQL store and ``web.token`` (the sessions' key)."""
    if not config.web.accounts:
        return
    if not config.database.startswith(("postgresql://", "postgres://")):
        raise ConfigError("web.accounts needs the lab's PostgreSQL store: set paths.database to a postgresql:// URL")
    if not config.web.token.get_secret_value():
        raise ConfigError("web.accounts needs web.token: it is the key that signs the readers' sessions "
                          '(e.g. token = "env:ARXIV_MONITOR_WEB_TOKEN")')


class Accounts:
    """Sessions, tokens and the trusted header, against the lab's ``users`` table."""

    def __init__(self, config: Config):
        self.config = config
        self.key = hmac.new(config.web.token.get_secret_value().encode(), b"arxiv-monitor accounts",
                            hashlib.sha256).digest()

    def session(self, login: str, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_SECONDS)
        return f"{login}.{expires}.{self._mac(login, expires)}"

    def _mac(self, login: str, expires: int) -> str:
        return hmac.new(self.key, f"{login}.{expires}".encode(), hashlib.sha256).hexdigest()

    def _session_login(self, value: str) -> str | None:
        login, _, rest = value.partition(".")
        expires, _, mac = rest.partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return None
        return login if hmac.compare_digest(mac, self._mac(login, int(expires))) else None

    def reader(self, headers: dict[str, str], cookies: dict[str, str], peer: str) -> Reader | None:
        """The signed-in reader of a request (None: nobody, or a disabled account)."""
        header = self.config.web.user_header
        with open_store(self.config) as store:
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                user = store.users.by_token(auth[7:].strip())
            elif header and headers.get(header.lower()) and peer in ("127.0.0.1", "::1"):
                user = store.users.get(headers[header.lower()].strip())
            elif login := self._session_login(cookies.get(SESSION_COOKIE, "")):
                user = store.users.get(login)
            else:
                return None
            if user is None or user.disabled:
                return None
            topics = store.lab_topics.of_user(user.login)
        return Reader(user.login, user.role, self.config.for_user(user.login, user.language, user.email, topics))

    def sign_in(self, login: str, password: str) -> str | None:
        """A session cookie's value, when the password is the (active) account's."""
        with open_store(self.config) as store:
            user = store.users.check_password(login, password)
        return self.session(user.login) if user else None


def store_of(reader: Reader | None, config: Config) -> Any:
    """The store a request reads: the reader's own tables first, on a lab; else the home's."""
    return open_store(reader.config if reader else config, reader.login if reader else None)
