"""A lab server's accounts: users, their API tokens and their topics (tables of m023).

Passwords are hashed with argon2 (argon2-cffi's defaults, RFC 9106's low-memory profile);
an API token is 32 random bytes shown once, and only its SHA-256 is stored. A disabled
user's password and tokens are refused.

Each user's own tables (days and their decisions, ratings, deliveries, overviews, trends)
live in a PostgreSQL schema of their own, ahead of the shared ones on the connection's
search path (``USER_TABLES``, ``ensure_user_schema``): the store's queries are the same for
everyone, and one user's store cannot read another's ratings, because it does not see them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.store.engine import advisory_lock
from arxiv_monitor.store.migrations import now

ROLES = ("admin", "member", "guest")  # guest: reads, never rates or owns topics
LOGIN = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
USER_TABLES = ("days", "day_papers", "ratings", "deliveries", "overviews", "trend_reports")
USER_SCHEMA_LOCK = 0x61726D03


@dataclass
class User:
    login: str
    name: str
    email: str
    role: str
    language: str
    disabled: bool

    @property
    def active(self) -> bool:
        return not self.disabled


def _user(row: Any) -> User:
    return User(row["login"], row["name"], row["email"], row["role"], row["language"], bool(row["disabled"]))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


class Users:
    """The ``users`` and ``tokens`` tables."""

    def __init__(self, db: Any):
        self.db = db

    def add(self, login: str, name: str = "", email: str = "", role: str = "member", password: str | None = None,
            language: str = "zh") -> str:
        """Add a user; return their first API token (shown once). Raises ValueError on a bad or
        taken login, or an unknown role."""
        if not LOGIN.match(login):
            raise ValueError(f"login {login!r}: use 1-31 lowercase letters, digits or _, starting with a letter")
        if role not in ROLES:
            raise ValueError(f"role {role!r}: one of {', '.join(ROLES)}")
        if self.get(login) is not None:
            raise ValueError(f"a user {login!r} exists already")
        hashed = _hasher().hash(password) if password else None
        with self.db:
            self.db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                            (login, name or login, email, role, hashed, language, now()))
        return self.new_token(login, "first")

    def new_token(self, login: str, label: str) -> str:
        token = "am_" + secrets.token_urlsafe(32)
        with self.db:
            self.db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, NULL)", (token_hash(token), login, label, now()))
        return token

    def get(self, login: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE login=?", (login,)).fetchone()
        self.db.commit()
        return _user(row) if row else None

    def all(self) -> list[User]:
        rows = self.db.execute("SELECT * FROM users ORDER BY login").fetchall()
        self.db.commit()
        return [_user(r) for r in rows]

    def disable(self, login: str, disabled: bool = True) -> bool:
        with self.db:
            return self.db.execute("UPDATE users SET disabled=? WHERE login=?", (int(disabled), login)).rowcount > 0

    def check_password(self, login: str, password: str) -> User | None:
        """The user, when the password is theirs and they are not disabled."""
        row = self.db.execute("SELECT * FROM users WHERE login=?", (login,)).fetchone()
        self.db.commit()
        if row is None or not row["password_hash"] or row["disabled"]:
            return None
        from argon2.exceptions import Argon2Error

        try:
            _hasher().verify(row["password_hash"], password)
        except Argon2Error:
            return None
        return _user(row)

    def by_token(self, token: str) -> User | None:
        """The user an API token belongs to (None: unknown, or the user is disabled). When it
        was last used is kept to the hour (one write an hour, not one a request)."""
        row = self.db.execute("SELECT u.*, t.last_used_at FROM tokens t JOIN users u ON u.login=t.login "
                              "WHERE t.hash=?", (token_hash(token),)).fetchone()
        stamp = now()
        if row is not None and not row["disabled"] and (row["last_used_at"] or "")[:13] != stamp[:13]:
            self.db.execute("UPDATE tokens SET last_used_at=? WHERE hash=?", (stamp, token_hash(token)))
        self.db.commit()
        return _user(row) if row is not None and not row["disabled"] else None


class LabTopics:
    """The ``lab_topics`` and ``follows`` tables: topics a user owns, and the lab's shared ones
    (owner '') that members follow."""

    def __init__(self, db: Any):
        self.db = db

    def save(self, owner: str, topic: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO lab_topics VALUES (?, ?, ?, ?)",
                            (owner, topic["id"], json.dumps(topic, ensure_ascii=False, sort_keys=True), now()))

    def owned(self, owner: str) -> list[dict[str, Any]]:
        """The topics ``owner`` owns ('' : the lab's shared ones)."""
        rows = self.db.execute("SELECT data FROM lab_topics WHERE owner=? ORDER BY id", (owner,)).fetchall()
        self.db.commit()
        return [json.loads(r[0]) for r in rows]

    def follow(self, login: str, topic: str, following: bool = True) -> None:
        if following and not any(t["id"] == topic for t in self.owned("")):
            raise ValueError(f"the lab has no shared topic {topic!r}")
        with self.db:
            if following:
                self.db.execute("INSERT OR IGNORE INTO follows VALUES (?, ?, ?)", (login, topic, now()))
            else:
                self.db.execute("DELETE FROM follows WHERE login=? AND topic=?", (login, topic))

    def of_user(self, login: str) -> list[dict[str, Any]]:
        """What a user's run decides with: the lab topics they follow, then their own."""
        rows = self.db.execute(
            """SELECT owner, data FROM lab_topics WHERE owner=? OR (owner='' AND id IN (
                   SELECT topic FROM follows WHERE login=?)) ORDER BY owner != '', id""", (login, login)).fetchall()
        self.db.commit()
        return [json.loads(r[1]) for r in rows]

    def followers(self) -> dict[str, list[str]]:
        rows = self.db.execute("SELECT topic, login FROM follows ORDER BY topic, login").fetchall()
        self.db.commit()
        out: dict[str, list[str]] = {}
        for topic, login in rows:
            out.setdefault(topic, []).append(login)
        return out


def ensure_user_schema(db: Any, schema: str, base: str) -> None:
    """The user's own tables, made like the shared ones (columns, defaults, keys, indexes), and
    given any column a later migration added to the shared table; a listing updates the shared
    search rows' latest day (the search trigger)."""
    with advisory_lock(db, USER_SCHEMA_LOCK, wait=True):
        with db:
            db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for table in USER_TABLES:
                exists = db.execute("SELECT to_regclass(?) IS NOT NULL", (f'"{schema}"."{table}"',)).fetchone()[0]
                if not exists:
                    db.execute(f'CREATE TABLE "{schema}"."{table}" (LIKE "{base}"."{table}" INCLUDING ALL)')
                    if table == "day_papers":
                        db.execute(f'CREATE TRIGGER search_listed AFTER INSERT ON "{schema}"."day_papers" '
                                   "FOR EACH ROW EXECUTE FUNCTION search_on_listing()")
                    continue
                missing = db.execute(
                    """SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid),
                              a.attnotnull
                       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid=a.attrelid AND d.adnum=a.attnum
                       WHERE a.attrelid=?::regclass AND a.attnum>0 AND NOT a.attisdropped AND a.attname NOT IN (
                         SELECT attname FROM pg_attribute WHERE attrelid=?::regclass AND attnum>0)""",
                    (f'"{base}"."{table}"', f'"{schema}"."{table}"')).fetchall()
                for name, kind, default, not_null in missing:
                    db.execute(f'ALTER TABLE "{schema}"."{table}" ADD COLUMN "{name}" {kind}'
                               + (f" DEFAULT {default}" if default else "") + (" NOT NULL" if not_null else ""))
