"""What the stages produce per paper and day: full texts, analyses, overviews."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from arxiv_monitor.store.schema import now
from arxiv_monitor.core.models import Analysis, FullText, Overview, Paper, Section


@dataclass
class StoredText:
    """A stored full text, its status (``ok``, ``missing`` or ``failed``) and the attempts made."""

    text: FullText
    status: str
    attempts: int = 1


class FullTexts:
    """The ``fulltexts`` table: one extracted text per paper version."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, paper: Paper) -> StoredText | None:
        row = self.db.execute("SELECT * FROM fulltexts WHERE arxiv_id=? AND version=?",
                              (paper.arxiv_id, paper.version)).fetchone()
        if row is None:
            return None
        sections = [Section(**s) for s in json.loads(row["sections"])]
        return StoredText(FullText(row["source"], sections, row["error"], from_cache=True,
                                   links=json.loads(row["links"])), row["status"], row["attempts"])

    def source_of(self, paper: Paper) -> str | None:
        """Where the paper version's stored text came from ("html", "pdf", ...), without reading it."""
        row = self.db.execute("SELECT source FROM fulltexts WHERE arxiv_id=? AND version=?",
                              (paper.arxiv_id, paper.version)).fetchone()
        return row[0] if row else None

    def save(self, paper: Paper, text: FullText, status: str) -> int:
        """Store a full text with status ``ok``, ``missing`` (404s) or ``failed`` (retry);
        return how many attempts this version has had."""
        with self.db:
            self.db.execute(
                """INSERT INTO fulltexts (arxiv_id, version, source, status, error, sections, fetched_at,
                       attempts, links) VALUES (?,?,?,?,?,?,?,1,?)
                   ON CONFLICT (arxiv_id, version) DO UPDATE SET source=excluded.source,
                       status=excluded.status, error=excluded.error, sections=excluded.sections,
                       fetched_at=excluded.fetched_at, attempts=attempts+1, links=excluded.links""",
                (paper.arxiv_id, paper.version, text.source, status, text.error,
                 json.dumps([s.__dict__ for s in text.sections], ensure_ascii=False), now(),
                 json.dumps(text.links)))
            row = self.db.execute("SELECT attempts FROM fulltexts WHERE arxiv_id=? AND version=?",
                                  (paper.arxiv_id, paper.version)).fetchone()
        return int(row[0])


def analysis_from_row(row: Any) -> Analysis:
    return Analysis(
        backend=row["backend"], model=row["model"], prompt_version=row["prompt_version"],
        language=row["language"], status=row["status"], sections=json.loads(row["sections"]),
        error=row["error"], tokens_in=row["tokens_in"], tokens_out=row["tokens_out"],
        source=row["source"], version=row["version"], claims_total=row["claims_total"],
        unsupported=json.loads(row["unsupported"]), warnings=json.loads(row["warnings"]),
        evidence=json.loads(row["evidence"]),
        id=row["id"],
    )


class Analyses:
    """The ``analyses`` table, keyed by (version, backend, model, prompt version, language)."""

    def __init__(self, db: Any):
        self.db = db

    def find(self, paper: Paper, backend: str, model: str, prompt_version: str,
             language: str) -> Analysis | None:
        """The stored analysis with exactly this key, whatever its status."""
        row = self.db.execute(
            """SELECT * FROM analyses WHERE arxiv_id=? AND version=? AND backend=? AND model=?
               AND prompt_version=? AND language=?""",
            (paper.arxiv_id, paper.version, backend, model, prompt_version, language)).fetchone()
        return analysis_from_row(row) if row else None

    def for_paper(self, paper: Paper, version: int | None = None) -> list[Analysis]:
        """All analyses of one version of a paper, newest first."""
        rows = self.db.execute("SELECT * FROM analyses WHERE arxiv_id=? AND version=? ORDER BY id DESC",
                               (paper.arxiv_id, version or paper.version)).fetchall()
        return [analysis_from_row(r) for r in rows]

    def by_id(self, analysis_id: int) -> Analysis | None:
        row = self.db.execute("SELECT * FROM analyses WHERE id=?", (analysis_id,)).fetchone()
        return analysis_from_row(row) if row else None

    def earlier_version(self, paper: Paper) -> int | None:
        """The latest earlier version of this paper that has a good analysis."""
        row = self.db.execute(
            "SELECT MAX(version) FROM analyses WHERE arxiv_id=? AND version<? AND status='ok'",
            (paper.arxiv_id, paper.version)).fetchone()
        return row[0] if row else None

    def save(self, paper: Paper, a: Analysis) -> int:
        """Insert or replace the analysis with this key; return its row id."""
        with self.db:
            self.db.execute(
                """INSERT OR REPLACE INTO analyses (arxiv_id, version, backend, model,
                    prompt_version, language, status, error, sections, source, tokens_in,
                    tokens_out, created_at, claims_total, unsupported, warnings, evidence)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (paper.arxiv_id, paper.version, a.backend, a.model, a.prompt_version, a.language,
                 a.status, a.error, json.dumps(a.sections, ensure_ascii=False), a.source,
                 a.tokens_in, a.tokens_out, now(), a.claims_total,
                 json.dumps(a.unsupported, ensure_ascii=False),
                 json.dumps(a.warnings, ensure_ascii=False), json.dumps(a.evidence, ensure_ascii=False)))
            row = self.db.execute(
                """SELECT id FROM analyses WHERE arxiv_id=? AND version=? AND backend=? AND model=?
                   AND prompt_version=? AND language=?""",
                (paper.arxiv_id, paper.version, a.backend, a.model, a.prompt_version,
                 a.language)).fetchone()
        a.id = int(row[0])
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
