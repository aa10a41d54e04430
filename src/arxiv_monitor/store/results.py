"""What the stages produce per paper and day: full texts, analyses, overviews, and what each
LLM endpoint accepts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from arxiv_monitor.core.models import Analysis, FullText, Overview, Paper, Section
from arxiv_monitor.store.migrations import now


@dataclass
class StoredText:
    """A stored full text, its status (``ok``, ``missing`` or ``failed``) and the attempts made."""

    text: FullText
    status: str
    attempts: int = 1


def _stored_text(row: Any) -> StoredText:
    sections = [Section(**s) for s in json.loads(row["sections"])]
    return StoredText(FullText(row["source"], sections, row["error"], from_cache=True,
                               links=json.loads(row["links"])), row["status"], row["attempts"])


class FullTexts:
    """The ``fulltexts`` table: one extracted text per paper version."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, paper: Paper) -> StoredText | None:
        row = self.db.execute("SELECT * FROM fulltexts WHERE paper_id=? AND version=?",
                              (paper.id, paper.version)).fetchone()
        return _stored_text(row) if row is not None else None

    def list(self) -> list[tuple[str, int, StoredText]]:
        """Every stored text: (paper id, version, the text with its status and attempts)."""
        return [(r["paper_id"], r["version"], _stored_text(r)) for r in self.db.execute("SELECT * FROM fulltexts")]

    def sources_of(self, papers: list[Paper]) -> dict[str, str]:
        """Where each paper version's stored text came from, by versioned id (a day page's, at once)."""
        wanted = {(p.id, p.version): p.versioned_id for p in papers}
        ids = sorted({p.id for p in papers})
        out = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for r in self.db.execute(f"SELECT paper_id, version, source FROM fulltexts WHERE paper_id IN "
                                     f"({','.join('?' * len(chunk))})", chunk):
                if (r[0], r[1]) in wanted:
                    out[wanted[(r[0], r[1])]] = r[2]
        return out

    def source_of(self, paper: Paper) -> str | None:
        """Where the paper version's stored text came from ("html", "pdf", ...), without reading it."""
        row = self.db.execute("SELECT source FROM fulltexts WHERE paper_id=? AND version=?",
                              (paper.id, paper.version)).fetchone()
        return row[0] if row else None

    def save(self, paper: Paper, text: FullText, status: str) -> int:
        """Store a full text with status ``ok``, ``missing`` (404s) or ``failed`` (retry);
        return how many attempts this version has had."""
        with self.db:
            self.db.execute(
                """INSERT INTO fulltexts (paper_id, version, source, status, error, sections, fetched_at,
                       attempts, links) VALUES (?,?,?,?,?,?,?,1,?)
                   ON CONFLICT (paper_id, version) DO UPDATE SET source=excluded.source,
                       status=excluded.status, error=excluded.error, sections=excluded.sections,
                       fetched_at=excluded.fetched_at, attempts=fulltexts.attempts+1, links=excluded.links""",
                (paper.id, paper.version, text.source, status, text.error,
                 json.dumps([s.__dict__ for s in text.sections], ensure_ascii=False), now(),
                 json.dumps(text.links)))
            row = self.db.execute("SELECT attempts FROM fulltexts WHERE paper_id=? AND version=?",
                                  (paper.id, paper.version)).fetchone()
        return int(row[0])


def analysis_from_row(row: Any) -> Analysis:
    return Analysis(
        backend=row["backend"], model=row["model"], prompt_version=row["prompt_version"],
        language=row["language"], status=row["status"], sections=json.loads(row["sections"]),
        error=row["error"], tokens_in=row["tokens_in"], tokens_out=row["tokens_out"],
        source=row["source"], version=row["version"], claims_total=row["claims_total"],
        unsupported=json.loads(row["unsupported"]), warnings=json.loads(row["warnings"]),
        evidence=json.loads(row["evidence"]),
        id=row["id"], paper_id=row["paper_id"],
    )


class Analyses:
    """The ``analyses`` table, keyed by (version, backend, model, prompt version, language)."""

    def __init__(self, db: Any):
        self.db = db

    def find(self, paper: Paper, backend: str, model: str, prompt_version: str,
             language: str) -> Analysis | None:
        """The stored analysis with exactly this key, whatever its status."""
        row = self.db.execute(
            """SELECT * FROM analyses WHERE paper_id=? AND version=? AND backend=? AND model=?
               AND prompt_version=? AND language=?""",
            (paper.id, paper.version, backend, model, prompt_version, language)).fetchone()
        return analysis_from_row(row) if row else None

    def for_paper(self, paper: Paper, version: int | None = None) -> list[Analysis]:
        """All analyses of one version of a paper, newest first."""
        rows = self.db.execute("SELECT * FROM analyses WHERE paper_id=? AND version=? ORDER BY id DESC",
                               (paper.id, version or paper.version)).fetchall()
        return [analysis_from_row(r) for r in rows]

    def list(self, backend: str | None = None, status: str | None = None,
             paper_id: str | None = None) -> list[Analysis]:
        """Stored analyses (of one backend, status or paper), oldest first."""
        where = [(c, v) for c, v in (("backend", backend), ("status", status), ("paper_id", paper_id)) if v]
        sql = "SELECT * FROM analyses" + (" WHERE " + " AND ".join(f"{c}=?" for c, _ in where) if where else "")
        return [analysis_from_row(r) for r in self.db.execute(sql + " ORDER BY id", [v for _, v in where])]

    def by_ids(self, ids: list[int]) -> dict[int, Analysis]:
        """The analyses of these row ids (a day page's, read at once), by id."""
        out = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.db.execute(f"SELECT * FROM analyses WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({r["id"]: analysis_from_row(r) for r in rows})
        return out

    def by_id(self, analysis_id: int) -> Analysis | None:
        row = self.db.execute("SELECT * FROM analyses WHERE id=?", (analysis_id,)).fetchone()
        return analysis_from_row(row) if row else None

    def earlier_version(self, paper: Paper) -> int | None:
        """The latest earlier version of this paper that has a good analysis."""
        row = self.db.execute(
            "SELECT MAX(version) FROM analyses WHERE paper_id=? AND version<? AND status='ok'",
            (paper.id, paper.version)).fetchone()
        return row[0] if row else None

    def save(self, paper: Paper, a: Analysis) -> int:
        """Insert or replace the analysis with this key; return its row id."""
        with self.db:
            self.db.execute(
                """INSERT OR REPLACE INTO analyses (paper_id, version, backend, model,
                    prompt_version, language, status, error, sections, source, tokens_in,
                    tokens_out, created_at, claims_total, unsupported, warnings, evidence)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (paper.id, paper.version, a.backend, a.model, a.prompt_version, a.language,
                 a.status, a.error, json.dumps(a.sections, ensure_ascii=False), a.source,
                 a.tokens_in, a.tokens_out, now(), a.claims_total,
                 json.dumps(a.unsupported, ensure_ascii=False),
                 json.dumps(a.warnings, ensure_ascii=False), json.dumps(a.evidence, ensure_ascii=False)))
            row = self.db.execute(
                """SELECT id FROM analyses WHERE paper_id=? AND version=? AND backend=? AND model=?
                   AND prompt_version=? AND language=?""",
                (paper.id, paper.version, a.backend, a.model, a.prompt_version,
                 a.language)).fetchone()
        a.id, a.paper_id = int(row[0]), paper.id
        return a.id


@dataclass
class StoredOverview:
    """A day's stored overview, with the key of the analyses it was written from."""

    key: str
    backend: str
    overview: Overview


class Overviews:
    """The ``overviews`` table: one 今日速览 per day."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, day: str) -> StoredOverview | None:
        row = self.db.execute("SELECT key, backend, data FROM overviews WHERE day=?", (day,)).fetchone()
        if row is None:
            return None
        return StoredOverview(row[0], row[1], Overview(**json.loads(row[2])))

    def save(self, day: str, key: str, backend: str, overview: Overview) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO overviews VALUES (?,?,?,?,?)",
                            (day, key, backend, json.dumps(asdict(overview), ensure_ascii=False), now()))


class Endpoints:
    """The ``llm_endpoints`` table: the reply mode that works for each endpoint and model."""

    def __init__(self, db: Any):
        self.db = db

    def reply_mode(self, base_url: str, model: str) -> str | None:
        row = self.db.execute("SELECT reply_mode FROM llm_endpoints WHERE base_url=? AND model=?",
                              (base_url, model)).fetchone()
        return row[0] if row else None

    def remember(self, base_url: str, model: str, mode: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO llm_endpoints VALUES (?,?,?,?)",
                            (base_url, model, mode, now()))
