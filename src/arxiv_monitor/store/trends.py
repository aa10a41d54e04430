"""Trends reports as stored: one JSON document per period."""

from __future__ import annotations

from typing import Any

from arxiv_monitor.store.migrations import now


class TrendReports:
    """``trend_reports``: the newest report of each period (a rebuild replaces it)."""

    def __init__(self, db: Any):
        self.db = db

    def save(self, key: str, kind: str, start: str, end: str, data: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO trend_reports (key, kind, start, \"end\", data, created_at) "
                            "VALUES (?,?,?,?,?,?)", (key, kind, start, end, data, now()))

    def get(self, key: str) -> str | None:
        """The report's JSON, or None."""
        row = self.db.execute("SELECT data FROM trend_reports WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def keys(self, kind: str | None = None) -> list[tuple[str, str]]:
        """(kind, key) of every stored report, newest period first."""
        sql = "SELECT kind, key FROM trend_reports" + (" WHERE kind=?" if kind else "") + " ORDER BY start DESC, kind"
        return [(r[0], r[1]) for r in self.db.execute(sql, (kind,) if kind else ())]

    def changed_since(self, since: str | None) -> list[str]:
        """Keys of the reports written since ``since`` (all without it): the static site's pages."""
        if since is None:
            return [r[0] for r in self.db.execute("SELECT key FROM trend_reports")]
        return [r[0] for r in self.db.execute("SELECT key FROM trend_reports WHERE created_at >= ?", (since,))]
