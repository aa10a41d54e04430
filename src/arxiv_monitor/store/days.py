"""The ``days`` and ``day_papers`` tables: each day's listing, every topic's decisions, and
what the day's published report shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import Listing, Paper, TopicDecision
from arxiv_monitor.store.migrations import now
from arxiv_monitor.store.papers import paper_from_row


def _listing(row: Any) -> Listing:
    return Listing(paper_from_row(row), row["announce_type"],
                   [TopicDecision.from_dict(d) for d in json.loads(row["topics"])])


@dataclass
class DayInfo:
    """A stored day's header facts."""

    day: str
    categories: list[str]
    keywords: list[str]
    items: int


@dataclass
class Shown:
    """Which analyses a day's published report shows for one paper."""

    analysis_id: int | None
    fallback_id: int | None
    updated_from: int | None


@dataclass
class PaperRow:
    """One line of ``arxiv-monitor papers``."""

    day: str
    versioned_id: str
    title: str
    announce_type: str
    code_url: str | None
    analysis: str | None  # the published analysis: "ok", "failed", or None when not analysed
    backend: str | None  # its backend
    fallback: bool  # the report shows the extractive fallback instead


class Days:
    """The ``days`` and ``day_papers`` tables: each day's listing and decisions."""

    def __init__(self, db: Any):
        self.db = db

    def save(self, day: str, categories: list[str], keywords: list[str], items: int,
             listings: list[Listing], decided_with: str = "") -> None:
        """Record a day's listings, kept ones first (replacing an earlier record of the day),
        and what the decisions were made with (``decided_with``)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO days (day, categories, keywords, items, updated_at,"
                            " decided_with) VALUES (?,?,?,?,?,?)",
                            (day, json.dumps(categories), json.dumps(keywords), items, now(), decided_with))
            self.db.execute("DELETE FROM day_papers WHERE day=?", (day,))
            for position, item in enumerate(listings):
                p = item.paper
                self.db.execute(
                    "INSERT INTO day_papers (day, paper_id, version, announce_type, position, hits,"
                    " topics, kept) VALUES (?,?,?,?,?,?,?,?)",
                    (day, p.id, p.version, item.announce_type, position,
                     json.dumps([h.__dict__ for h in item.hits], ensure_ascii=False),
                     json.dumps([d.to_dict() for d in item.decisions], ensure_ascii=False),
                     int(item.kept)),
                )

    def info(self, day: str) -> DayInfo | None:
        row = self.db.execute("SELECT * FROM days WHERE day=?", (day,)).fetchone()
        if row is None:
            return None
        return DayInfo(day, json.loads(row["categories"]), json.loads(row["keywords"]), row["items"])

    def decided(self, day: str) -> tuple[str, set[tuple[str, int]]]:
        """What the day's decisions were made with, and its listing: (paper id, version) pairs."""
        row = self.db.execute("SELECT decided_with FROM days WHERE day=?", (day,)).fetchone()
        ids = {(r[0], r[1]) for r in self.db.execute("SELECT paper_id, version FROM day_papers WHERE day=?", (day,))}
        return (row[0] if row else ""), ids

    def version(self) -> str:
        """Changes whenever what a day page shows changes: a day saved or published, an
        analysis or a rating stored (the reading room caches day pages by it)."""
        row = self.db.execute("""SELECT (SELECT COUNT(*) || ':' || IFNULL(MAX(updated_at), '') || ':' ||
                                        IFNULL(SUM(LENGTH(published)), 0) FROM days),
                                        (SELECT IFNULL(MAX(id), 0) FROM analyses),
                                        (SELECT COUNT(*) || ':' || IFNULL(MAX(created_at), '') || ':' ||
                                        IFNULL(SUM(rating), 0) FROM ratings)""").fetchone()
        return "/".join(str(v) for v in row)

    def latest_decided(self, paper_id: str) -> str:
        """What the decisions of the latest day that listed the paper were made with ("" if none)."""
        row = self.db.execute("""SELECT d.decided_with FROM day_papers p JOIN days d ON d.day=p.day
                                 WHERE p.paper_id=? ORDER BY p.day DESC LIMIT 1""", (paper_id,)).fetchone()
        return row[0] if row else ""

    def all(self) -> list[str]:
        """Every stored day, newest first."""
        return [r[0] for r in self.db.execute("SELECT day FROM days ORDER BY day DESC")]

    def counts(self) -> list[tuple[str, int, int]]:
        """(day, papers kept, items read) for every stored day, newest first."""
        return [(r[0], r[1] or 0, r[2]) for r in self.db.execute(
            """SELECT d.day, k.kept, d.items FROM days d
               LEFT JOIN (SELECT day, SUM(kept) AS kept FROM day_papers GROUP BY day) k ON k.day=d.day
               ORDER BY d.day DESC""")]

    def recent_kept(self, topic: str | None = None, limit: int = 100) -> list[tuple[str, Listing]]:
        """The kept papers of the latest days, newest first (only those kept for ``topic``)."""
        rows = self.db.execute(
            """SELECT d.day, p.*, d.announce_type, d.topics FROM day_papers d
               JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
               WHERE d.kept=1 ORDER BY d.day DESC, d.position LIMIT ?""", (limit * (4 if topic else 1),))
        out = []
        for r in rows:
            item = _listing(r)
            if topic is None or any(d.topic == topic and d.kept for d in item.decisions):
                out.append((r["day"], item))
        return out[:limit]

    def listings(self, day: str, kept_only: bool = True, named: bool = False) -> list[Listing]:
        """The day's listings in report order (only the kept ones, unless asked; with ``named``,
        the kept ones and those a topic's keyword names: what a day's page shows, without
        reading the decisions of the thousands of others)."""
        where = "AND d.kept=1" if kept_only else ""
        if named and not kept_only:  # a decision with hits is stored as "hits": [{...}] (to_dict, json.dumps)
            where = """AND (d.kept=1 OR d.topics LIKE '%"hits": [{%')"""
        rows = self.db.execute(
            f"""SELECT p.*, d.announce_type, d.topics FROM day_papers d
               JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
               WHERE d.day=? {where} ORDER BY d.position""",
            (day,)).fetchall()
        return [_listing(r) for r in rows]

    def between(self, first: str, last: str, kept_only: bool = True) -> list[tuple[str, Listing]]:
        """The listings of the days from ``first`` to ``last`` (inclusive), by day and position
        (only the kept ones, unless asked)."""
        rows = self.db.execute(
            f"""SELECT d.day, p.*, d.announce_type, d.topics FROM day_papers d
               JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
               WHERE d.day BETWEEN ? AND ? {'AND d.kept=1' if kept_only else ''}
               ORDER BY d.day, d.position""", (first, last)).fetchall()
        return [(r["day"], _listing(r)) for r in rows]

    def papers_between(self, first: str, last: str) -> list[tuple[str, Paper]]:
        """Each paper listed from ``first`` to ``last`` (inclusive) once, with the first day
        that listed it (no decisions: for reading the papers themselves)."""
        rows = self.db.execute(
            """SELECT d.day AS first_day, p.* FROM day_papers d
               JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
               WHERE d.day BETWEEN ? AND ? AND d.day=(SELECT MIN(e.day) FROM day_papers e
                                                      WHERE e.paper_id=d.paper_id AND e.day BETWEEN ? AND ?)
               ORDER BY first_day, d.paper_id""",
            (first, last, first, last)).fetchall()
        return [(r["first_day"], paper_from_row(r)) for r in rows]

    def items_between(self, first: str, last: str) -> int:
        """Papers listed (read) on the days from ``first`` to ``last``."""
        row = self.db.execute("SELECT COALESCE(SUM(items), 0) FROM days WHERE day BETWEEN ? AND ?",
                              (first, last)).fetchone()
        return int(row[0])

    def listings_of(self, paper_id: str) -> list[tuple[str, Listing]]:
        """Every day that lists a paper, newest first, with that day's listing."""
        rows = self.db.execute(
            """SELECT d.day, p.*, d.announce_type, d.topics FROM day_papers d
               JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
               WHERE d.paper_id=? ORDER BY d.day DESC""", (paper_id,)).fetchall()
        return [(r["day"], _listing(r)) for r in rows]

    def publish(self, day: str, header: dict[str, Any], shown: dict[str, Shown]) -> None:
        """Record what the day's report shows: its header facts and each paper's analyses."""
        with self.db:
            self.db.execute("UPDATE days SET published=? WHERE day=?",
                            (json.dumps(header, ensure_ascii=False), day))
            for paper_id, s in shown.items():
                self.db.execute("UPDATE day_papers SET analysis_id=?, fallback_id=?, updated_from=?"
                                " WHERE day=? AND paper_id=?",
                                (s.analysis_id, s.fallback_id, s.updated_from, day, paper_id))

    def published(self, day: str) -> dict[str, Any]:
        """The header facts recorded when the day's report was published ({} if never)."""
        row = self.db.execute("SELECT published FROM days WHERE day=?", (day,)).fetchone()
        return json.loads(row[0]) if row else {}

    def shown(self, day: str) -> dict[str, Shown]:
        """Which analyses the day's published report shows, by paper."""
        return {r[0]: Shown(r[1], r[2], r[3]) for r in self.db.execute(
            "SELECT paper_id, analysis_id, fallback_id, updated_from FROM day_papers WHERE day=? AND kept=1",
            (day,))}

    def paper_rows(self, day: str | None = None, limit: int = 50) -> list[PaperRow]:
        """Kept papers, newest day first, with the analysis their day's report shows."""
        sql = """SELECT d.day, p.paper_id, p.version, p.title, d.announce_type, p.code_url,
                   a.status AS analysis, a.backend, d.fallback_id
                 FROM day_papers d JOIN papers p ON p.paper_id=d.paper_id AND p.version=d.version
                 LEFT JOIN analyses a ON a.id=d.analysis_id
                 WHERE d.kept=1"""
        args: tuple = ()
        if day:
            sql += " AND d.day=?"
            args = (day,)
        sql += " ORDER BY d.day DESC, d.position LIMIT ?"
        return [PaperRow(r["day"], PaperId.of(r["paper_id"], r["version"]).versioned, r["title"], r["announce_type"],
                         r["code_url"], r["analysis"], r["backend"],
                         r["analysis"] == "failed" and r["fallback_id"] is not None)
                for r in self.db.execute(sql, args + (limit,))]
