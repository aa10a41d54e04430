"""Search across every stored paper: SQLite FTS5 over words (``search_index``).

English is indexed by word (unicode61, accents folded); Chinese, which has no
spaces, is indexed as overlapping character pairs (``search_text``: 鲁棒性 ->
鲁棒 棒性), so any Chinese term of two characters or more is a phrase of pairs
and a single character is a prefix. A word also finds longer words it begins
(``forecast`` finds "forecasting"); a phrase in quotes is matched as written.
Every term must match (AND). Filters: date range, topic (papers kept for it),
category, author, has code; sorted by relevance (bm25, the title counting most)
or date. Snippets are cut from the stored texts with the terms in <mark>.

The index is kept by triggers on ``papers`` and ``analyses`` (schema m013); a
paper's row id is its ``search_docs.id``.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.core.text import CJK

_CJK_RUN = re.compile(f"[{CJK}]+")
BROAD = 3_000  # matches beyond which a query is ranked newest papers first (see Search._ranked)
_TOKEN = re.compile(rf"[{CJK}]+|[^\W_]+")  # a run of Chinese, or a word (letters and digits)


@dataclass
class Hit:
    paper_id: str
    version: int
    title: str
    day: str | None
    snippet: str  # HTML: escaped text with <mark> around the matches
    code_url: str | None


def _pairs(run: str) -> str:
    return run if len(run) == 1 else " ".join(run[i:i + 2] for i in range(len(run) - 1))


def search_text(text: str | None) -> str:
    """Text as the index holds it: each run of Chinese as its overlapping character pairs."""
    return _CJK_RUN.sub(lambda m: f" {_pairs(m.group())} ", text or "")


def terms(query: str) -> list[str]:
    """A query's terms: quoted phrases (kept with their quotes) and words."""
    return [f'"{a}"' if a else b for a, b in re.findall(r'"([^"]+)"|(\S+)', query or "") if (a or b).strip()]


def phrase(term: str) -> tuple[list[str], bool] | None:
    """One term as the index's tokens, in order (a phrase), and whether it is a prefix (one word,
    or one Chinese character, not quoted); None when it has no letters, digits or Chinese."""
    tokens = _TOKEN.findall(term)
    if not tokens:
        return None
    single = len(tokens) == 1 and (not _CJK_RUN.fullmatch(tokens[0]) or len(tokens[0]) == 1)
    return search_text(" ".join(tokens)).replace('"', "").split(), single and not term.startswith('"')


def _expression(term: str) -> str | None:
    """One term as an FTS5 expression: a phrase of its tokens, ``*`` where it is a prefix."""
    found = phrase(term)
    return None if found is None else '"' + " ".join(found[0]) + '"' + ("*" if found[1] else "")


def highlight(text: str, words: list[str], width: int = 90) -> str:
    """An escaped excerpt of ``text`` around the first match, the matches in <mark>."""
    low = text.lower()
    at = min((low.find(w.lower()) for w in words if low.find(w.lower()) >= 0), default=0)
    start = max(0, at - width // 2)
    excerpt = ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")
    out = html.escape(excerpt)
    for w in sorted(words, key=len, reverse=True):
        out = re.sub(re.escape(html.escape(w)), lambda m: f"<mark>{m.group(0)}</mark>", out, flags=re.IGNORECASE)
    return out


class Search:
    """The ``search_index`` table (kept in step with papers and analyses by triggers)."""

    def __init__(self, db: Any):
        self.db = db

    def rebuild(self) -> None:
        """Build the index afresh (after a bulk load, or to repair it)."""
        rebuild(self.db)

    def bulk(self) -> contextlib.AbstractContextManager[None]:
        """A bulk load: the index is built once at the end, not per paper by its triggers."""
        return bulk(self.db)

    def query(self, q: str, day_from: str | None = None, day_to: str | None = None, topic: str | None = None,
              category: str | None = None, author: str | None = None, has_code: bool = False,
              sort: str = "relevance", limit: int = 50, offset: int = 0, kept_only: bool = False) -> list[Hit]:
        """The matches ``offset`` to ``offset + limit`` (by relevance, or newest first); with
        ``kept_only``, only papers kept on a day or rated (what the static site indexes)."""
        words = terms(q)
        found = self._where(q, day_from, day_to, topic, category, author, has_code, kept_only)
        if found is None:
            return []
        match, paper, filters, args = found
        if sort == "date":
            rows = self._newest(match, paper, filters, args, limit, offset)
        else:
            rows = self._ranked(match, paper, filters, args, limit + offset)[offset:]
        return self._hits([r["paper_id"] for r in rows], words)

    def _hits(self, ids: list[str], words: list[str]) -> list[Hit]:
        return [self._hit(i, words) for i in ids]

    def _newest(self, match: str, paper: str, filters: str, args: list[Any], limit: int, offset: int) -> list[Any]:
        """Newest first: walk the day index, keeping the matches."""
        return self.db.execute(
            f"""SELECT doc.paper_id FROM search_docs doc INDEXED BY search_docs_day {paper}
                WHERE doc.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?){filters}
                ORDER BY doc.day DESC, doc.id DESC LIMIT ? OFFSET ?""", (match, *args, limit, offset)).fetchall()

    # the matching rows (``doc`` is search_docs) for a match expression, and the filters' SQL
    MATCHES = "search_index s JOIN search_docs doc ON doc.id=s.rowid {paper} WHERE search_index MATCH ?"
    CATEGORY = "EXISTS (SELECT 1 FROM json_each(p.categories) c WHERE c.value=?)"
    AUTHOR = "p.authors LIKE ?"
    TOPIC, TOPIC_ARG = "instr(doc.topics, ?) > 0", ",{},"
    KEPT = "doc.topics != ''"
    ANALYSIS_TEXT = "SELECT group_concat(j.value, ' ') FROM analyses a, json_each(a.sections) j"

    def count(self, q: str, day_from: str | None = None, day_to: str | None = None, topic: str | None = None,
              category: str | None = None, author: str | None = None, has_code: bool = False,
              kept_only: bool = False, at_most: int | None = None) -> int:
        """How many papers match (the true count, for "N results" and paging); with ``at_most``,
        counting stops past it (``at_most + 1`` means "more than at_most"), so a word of every
        abstract costs no more than a rare one."""
        found = self._where(q, day_from, day_to, topic, category, author, has_code, kept_only)
        if found is None:
            return 0
        match, paper, filters, args = found
        matches = f"SELECT 1 FROM {self.MATCHES.format(paper=paper)}{filters}"
        if at_most is None:
            return int(self.db.execute(f"SELECT COUNT(*) FROM ({matches}) m", (match, *args)).fetchone()[0])
        return int(self.db.execute(f"SELECT COUNT(*) FROM ({matches} LIMIT ?) m",
                                   (match, *args, at_most + 1)).fetchone()[0])

    def match(self, q: str) -> str:
        """The FTS5 expression of a query: every term must match."""
        return " AND ".join(e for w in terms(q) if (e := _expression(w)))

    def _where(self, q: str, day_from: str | None, day_to: str | None, topic: str | None, category: str | None,
               author: str | None, has_code: bool, kept_only: bool = False) -> tuple[str, str, str, list[Any]] | None:
        """The FTS expression, the join to papers (when a filter needs it), the filters and their
        values; None when the query has no term."""
        match = self.match(q)
        if not match:
            return None
        where, args = [], []
        if category:
            where.append(self.CATEGORY)
            args.append(category)
        if author:
            where.append(self.AUTHOR)
            args.append(f"%{author}%")
        if has_code:
            where.append("doc.code=1")
        if kept_only:
            where.append(f"({self.KEPT} OR EXISTS (SELECT 1 FROM ratings r WHERE r.paper_id=doc.paper_id))")
        if topic:
            where.append(self.TOPIC)
            args.append(self.TOPIC_ARG.format(topic))
        if day_from or day_to:
            where.append("doc.day BETWEEN ? AND ?")
            args += [day_from or "0000", day_to or "9999"]
        paper = ("JOIN papers p ON p.paper_id=doc.paper_id AND p.version=(SELECT MAX(version) FROM papers q "
                 "WHERE q.paper_id=doc.paper_id)" if category or author else "")
        return match, paper, "".join(f" AND {w}" for w in where), args

    def _ranked(self, match: str, paper: str, filters: str, args: list[Any], want: int) -> list[Any]:
        """The best ``want`` matches by rank (bm25, title first), filtered as they come. A term in
        more than BROAD papers (a word of most abstracts, where bm25 tells little apart) is ranked
        among its newest BROAD papers first, then among the older ones: the cost stays bounded."""
        sql = f"SELECT doc.paper_id FROM {self.MATCHES.format(paper=paper)} AND s.rowid {{}} ?{filters} " \
              "ORDER BY s.rank LIMIT ?"
        cut = self.db.execute("SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC "
                              "LIMIT 1 OFFSET ?", (match, BROAD)).fetchone()
        rows = self.db.execute(sql.format(">"), (match, cut[0] if cut else 0, *args, want)).fetchall()
        if cut and len(rows) < want:
            rows += self.db.execute(sql.format("<="), (match, cut[0], *args, want - len(rows))).fetchall()
        return rows

    HIT = """SELECT p.paper_id, p.version, p.title, p.abstract, p.code_url,
                    (SELECT MAX(d.day) FROM day_papers d WHERE d.paper_id=p.paper_id) AS day FROM papers p"""

    def _hit(self, paper_id: str, words: list[str]) -> Hit:
        p = self.db.execute(f"{self.HIT} WHERE p.paper_id=? ORDER BY p.version DESC LIMIT 1", (paper_id,)).fetchone()
        return self._made(p, words)

    def _made(self, p: Any, words: list[str]) -> Hit:
        plain = [w.strip('"') for w in words]
        return Hit(p["paper_id"], p["version"], p["title"], p["day"], self._snippet(p["paper_id"], p, plain),
                   p["code_url"])

    def _snippet(self, paper_id: str, paper: Any, words: list[str]) -> str:
        """Where the terms are: the title, else the abstract, else the analysis text."""
        for text in (paper["title"], paper["abstract"]):
            if any(w.lower() in (text or "").lower() for w in words):
                return highlight(text, words)
        analysis = self.db.execute(f"{self.ANALYSIS_TEXT} WHERE a.paper_id=? AND a.status='ok'",
                                   (paper_id,)).fetchone()[0]
        return highlight(analysis or paper["abstract"] or "", words)


_REBUILD = [
    "DELETE FROM search_index",
    "DELETE FROM search_docs",
    "INSERT INTO search_docs (paper_id) SELECT DISTINCT paper_id FROM papers ORDER BY paper_id",
    """WITH listed AS (SELECT d.paper_id, MAX(d.day) AS day FROM day_papers d GROUP BY d.paper_id),
            kept AS (SELECT d.paper_id, ',' || group_concat(DISTINCT json_extract(t.value, '$.topic')) || ',' AS topics
                     FROM day_papers d, json_each(d.topics) t WHERE json_extract(t.value, '$.kept_by') IS NOT NULL
                     GROUP BY d.paper_id)
        UPDATE search_docs SET day=listed.day, topics=COALESCE(kept.topics, '')
        FROM listed LEFT JOIN kept ON kept.paper_id=listed.paper_id WHERE listed.paper_id=search_docs.paper_id""",
    """UPDATE search_docs SET code=1 WHERE paper_id IN (SELECT p.paper_id FROM papers p
        WHERE p.code_url IS NOT NULL AND p.version=(SELECT MAX(version) FROM papers q WHERE q.paper_id=p.paper_id))""",
    """WITH texts AS (SELECT a.paper_id, group_concat(j.value, ' ') AS analysis
                      FROM analyses a, json_each(a.sections) j WHERE a.status='ok' GROUP BY a.paper_id)
        INSERT INTO search_index (rowid, title, authors, abstract, analysis)
        SELECT d.id, search_text(p.title), search_text(p.authors), search_text(p.abstract),
               search_text(COALESCE(x.analysis, ''))
        FROM search_docs d JOIN papers p ON p.paper_id=d.paper_id
          AND p.version=(SELECT MAX(version) FROM papers q WHERE q.paper_id=d.paper_id)
        LEFT JOIN texts x ON x.paper_id=d.paper_id""",
]


def rebuild(db: Any) -> None:
    """Build the search index afresh from the papers, listings and analyses (one transaction)."""
    with db:
        for statement in _REBUILD:
            db.execute(statement)


@contextlib.contextmanager
def bulk(db: Any) -> Iterator[None]:
    """For loading many papers at once (a benchmark's store, a copied store): the index's
    triggers are set aside meanwhile, and the index is built once at the end."""
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND name LIKE 'search_%'"
                          ).fetchall()
    with db:
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with db:
            for _, sql in triggers:
                db.execute(sql)
        rebuild(db)
