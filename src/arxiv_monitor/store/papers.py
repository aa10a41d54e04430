"""The ``papers`` table: each paper version's metadata, from any source."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import Paper
from arxiv_monitor.store.migrations import now

COLUMNS = ("paper_id", "version", "title", "abstract", "authors", "categories", "primary_category", "comments",
           "doi", "journal_ref", "published", "enriched", "extra")


def paper_from_row(row: Any) -> Paper:
    return Paper(
        id=row["paper_id"], version=row["version"], title=row["title"],
        abstract=row["abstract"], authors=json.loads(row["authors"]),
        categories=json.loads(row["categories"]),
        published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
        primary_category=row["primary_category"], comments=row["comments"],
        doi=row["doi"], journal_ref=row["journal_ref"], enriched=bool(row["enriched"]),
        code_url=row["code_url"], extra=json.loads(row["extra"]),
    )


def _values(p: Paper) -> tuple:
    return (p.id, p.version, p.title, p.abstract, json.dumps(p.authors, ensure_ascii=False), json.dumps(p.categories),
            p.primary_category, p.comments, p.doi, p.journal_ref, p.published.isoformat() if p.published else None,
            int(p.enriched), json.dumps(p.extra, sort_keys=True))


_RECENT: dict[tuple, Paper] = {}  # papers read by ``recent`` from a server, by database, id, version and update


class Papers:
    """The ``papers`` table: metadata per paper version."""

    def __init__(self, db: Any):
        self.db = db

    def save(self, papers: list[Paper]) -> int:
        """Insert or update paper metadata (keyed by id and version); a row whose metadata is
        unchanged is not written again (its search index is not touched). Returns the rows written."""
        stored = self._stored([(p.id, p.version) for p in papers])
        changed = [p for p in papers if self._merged(p, stored.get((p.id, p.version))) != stored.get((p.id, p.version))]
        with self.db:
            self.db.executemany(
                f"""INSERT INTO papers ({", ".join(COLUMNS)}, updated_at) VALUES ({", ".join("?" * len(COLUMNS))}, ?)
                   ON CONFLICT (paper_id, version) DO UPDATE SET title=excluded.title,
                    abstract=excluded.abstract, authors=excluded.authors,
                    categories=excluded.categories,
                    primary_category=COALESCE(excluded.primary_category, papers.primary_category),
                    comments=COALESCE(excluded.comments, papers.comments),
                    doi=COALESCE(excluded.doi, papers.doi),
                    journal_ref=COALESCE(excluded.journal_ref, papers.journal_ref),
                    published=COALESCE(excluded.published, papers.published),
                    enriched=CASE WHEN excluded.enriched > papers.enriched THEN excluded.enriched ELSE papers.enriched END, updated_at=excluded.updated_at,
                    extra=CASE WHEN excluded.extra='{{}}' THEN papers.extra ELSE excluded.extra END""",
                [(*_values(p), now()) for p in changed])
        return len(changed)

    def _stored(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple]:
        """The stored metadata of these versions, as ``_values`` gives it."""
        out = {}
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            marks = " OR ".join("(paper_id=? AND version=?)" for _ in chunk)
            for row in self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM papers WHERE {marks}",
                                       [v for key in chunk for v in key]):
                out[(row[0], row[1])] = tuple(row)
        return out

    @staticmethod
    def _merged(p: Paper, old: tuple | None) -> tuple:
        """What the row would hold after saving ``p`` over ``old`` (the upsert's rules)."""
        new = _values(p)
        if old is None:
            return new
        keep = {COLUMNS.index(c) for c in ("primary_category", "comments", "doi", "journal_ref", "published")}
        merged = [old[i] if i in keep and new[i] is None else new[i] for i in range(len(new))]
        merged[COLUMNS.index("enriched")] = max(old[COLUMNS.index("enriched")], new[COLUMNS.index("enriched")])
        if new[COLUMNS.index("extra")] == "{}":
            merged[COLUMNS.index("extra")] = old[COLUMNS.index("extra")]
        return tuple(merged)

    def fill_enrichment(self, papers: list[Paper]) -> list[Paper]:
        """Copy stored source metadata into ``papers``; return those never enriched."""
        missing = []
        for p in papers:
            row = self.db.execute("SELECT * FROM papers WHERE paper_id=? AND version=?",
                                  (p.id, p.version)).fetchone()
            if row is None or not row["enriched"]:
                if not p.enriched:
                    missing.append(p)
                continue
            p.primary_category = row["primary_category"]
            p.comments, p.doi, p.journal_ref = row["comments"], row["doi"], row["journal_ref"]
            p.enriched = True
        return missing

    def latest(self, paper_id: str) -> Paper | None:
        """The latest stored version of a paper (``paper_id`` without its version)."""
        row = self.db.execute("SELECT * FROM papers WHERE paper_id=? ORDER BY version DESC LIMIT 1",
                              (paper_id,)).fetchone()
        return paper_from_row(row) if row else None

    def version(self, paper_id: str, version: int) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE paper_id=? AND version=?",
                              (paper_id, version)).fetchone()
        return paper_from_row(row) if row else None

    def get(self, ref: PaperId) -> Paper | None:
        """The version ``ref`` names, or the latest when it names none."""
        return self.version(ref.canonical, ref.version) if ref.version else self.latest(ref.canonical)

    def recent(self, limit: int) -> list[Paper]:
        """The papers of the latest days (one version each): a background sample of the feed,
        without the topics' example and library papers, which no day listed."""
        where = """FROM papers p WHERE EXISTS (SELECT 1 FROM day_papers d WHERE d.paper_id=p.paper_id
                   AND d.version=p.version) ORDER BY p.updated_at DESC, p.paper_id DESC LIMIT ?"""
        url = getattr(self.db, "url", None)
        if url is None:  # SQLite: read in-process, nothing to save
            return [paper_from_row(r) for r in self.db.execute(f"SELECT p.* {where}", (limit,))]
        # a server: a lab decides for each user with the same recent papers; read only their
        # keys, and the papers this process has not read yet (the papers are not to be changed)
        keys = [(url, r[0], r[1], r[2]) for r in self.db.execute(
            f"SELECT p.paper_id, p.version, p.updated_at {where}", (limit,))]
        missing = [k for k in keys if k not in _RECENT]
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            rows = self.db.execute(f"SELECT * FROM papers WHERE paper_id IN ({', '.join('?' * len(part))})",
                                   [k[1] for k in part]).fetchall()
            if len(_RECENT) > 50_000:
                _RECENT.clear()
            _RECENT.update({(url, r["paper_id"], r["version"], r["updated_at"]): paper_from_row(r) for r in rows})
        return [_RECENT[k] for k in keys if k in _RECENT]

    def set_code_url(self, paper: Paper, url: str | None) -> None:
        """Record the paper's code link (only when it changed)."""
        paper.code_url = url
        with self.db:
            self.db.execute("UPDATE papers SET code_url=?, updated_at=? WHERE paper_id=? AND version=? "
                            "AND code_url IS DISTINCT FROM ?", (url, now(), paper.id, paper.version, url))
