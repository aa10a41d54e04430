"""Community signals as stored: the newest value of each signal for each paper, and the
days on which a signal could not be asked."""

from __future__ import annotations

from typing import Any

from arxiv_monitor.core.models import CommunitySignal
from arxiv_monitor.store.migrations import now


class Signals:
    """``signals`` and ``signal_gaps``."""

    def __init__(self, db: Any):
        self.db = db

    def save(self, day: str, values: dict[str, list[CommunitySignal]], answered: list[str],
             unreachable: dict[str, str]) -> None:
        """Record a day's answers (a newer answer replaces a paper's older one), the signals
        that ``answered`` (which clears an earlier gap of theirs that day) and those that could
        not be asked (label -> why)."""
        stamp = now()
        with self.db:
            self.db.executemany(
                """INSERT INTO signals (paper_id, name, label, day, upvotes, stars, repo_url, url, fetched_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (paper_id, name) DO UPDATE SET label=excluded.label, day=excluded.day,
                     upvotes=excluded.upvotes, stars=excluded.stars, repo_url=excluded.repo_url,
                     url=excluded.url, fetched_at=excluded.fetched_at""",
                [(s.paper_id, s.name, s.label, day, s.upvotes, s.stars, s.repo_url, s.url, stamp)
                 for found in values.values() for s in found])
            self.db.executemany("DELETE FROM signal_gaps WHERE day=? AND label=?", [(day, a) for a in answered])
            self.db.executemany("INSERT OR REPLACE INTO signal_gaps (day, label, error) VALUES (?, ?, ?)",
                                [(day, label, error) for label, error in unreachable.items()])

    def of(self, paper_ids: list[str]) -> dict[str, list[CommunitySignal]]:
        """The stored signals of these papers, by paper id."""
        out: dict[str, list[CommunitySignal]] = {}
        for start in range(0, len(paper_ids), 500):
            chunk = paper_ids[start:start + 500]
            rows = self.db.execute(
                f"SELECT * FROM signals WHERE paper_id IN ({','.join('?' * len(chunk))}) ORDER BY name",
                chunk).fetchall()
            for r in rows:
                out.setdefault(r["paper_id"], []).append(CommunitySignal(
                    r["name"], r["label"], r["paper_id"], r["upvotes"], r["stars"], r["repo_url"], r["url"]))
        return out

    def gaps(self, day: str) -> dict[str, str]:
        """The signals that could not be asked on ``day``: label -> why."""
        return {r["label"]: r["error"] for r in
                self.db.execute("SELECT label, error FROM signal_gaps WHERE day=? ORDER BY label", (day,))}
