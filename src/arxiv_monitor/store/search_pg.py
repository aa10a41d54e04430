"""Search on PostgreSQL, with its own full-text machinery: a ``tsvector`` per paper in
``search_docs.tsv`` (GIN index), ranked by ``ts_rank`` with the title weighing most.

The text is indexed as the SQLite store indexes it, by the same rules: words of letters and
digits with accents folded (``Müller`` is ``muller``; punctuation is a space, so ``GPT-4o``
is ``gpt 4o``), and Chinese as overlapping
character pairs (鲁棒性 -> 鲁棒 棒性), cut by the ``search_text`` SQL function below, which
mirrors ``search.search_text``. The ``simple`` configuration lowers case and stems
nothing, as SQLite's unicode61 does. Character pairs rather than an extension (zhparser,
pg_jieba) because none of those is packaged by Debian, and because both stores then find
the same papers for the same query. A query term is a phrase of its tokens (``<->``),
a prefix (``:*``) where it is one word.

Triggers keep each paper's row in step with its latest version, its analyses and its
latest listed day (schema m021). The topic and kept filters read the listings themselves
(``day_papers``), which on a lab server are each user's own.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from arxiv_monitor.core.text import CJK
from arxiv_monitor.store import search
from arxiv_monitor.store.search import Search, phrase, search_text, terms

WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"  # analysis, abstract, authors, title (D, C, B, A)


def _accented() -> dict[str, str]:
    """Each accented Latin letter and the letter it is written on (é -> e, ễ -> e), as SQLite's
    unicode61 folds them: the letters whose decomposition is one ASCII letter and marks (a
    stroked letter such as ø or ł has none, and stays as it is in both stores)."""
    import unicodedata

    out = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base.isalpha() and base != char:
            out[char] = base
    return out


ACCENTED = _accented()
_FOLD = str.maketrans(ACCENTED)
_FROM, _TO = "".join(ACCENTED), "".join(ACCENTED.values())

FUNCTIONS = [
    # accents folded; punctuation a space; each Chinese character inside a run doubled (鲁棒性 -> 鲁棒 棒性)
    f"""CREATE OR REPLACE FUNCTION search_text(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT regexp_replace(regexp_replace(regexp_replace(
               translate(COALESCE(t, ''), '{_FROM}', '{_TO}'), '[^[:alnum:]]+', ' ', 'g'),
               '(?<=[{CJK}])([{CJK}])(?=[{CJK}])', '\\1 \\1', 'g'), '([{CJK}]+)', ' \\1 ', 'g') $$""",
    """CREATE OR REPLACE FUNCTION search_vector(title text, authors text, abstract text, analysis text)
       RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
        SELECT setweight(to_tsvector('simple', search_text(title)), 'A')
            || setweight(to_tsvector('simple', search_text(authors)), 'B')
            || setweight(to_tsvector('simple', search_text(abstract)), 'C')
            || setweight(to_tsvector('simple', search_text(analysis)), 'D') $$""",
    """CREATE OR REPLACE FUNCTION search_analysis_text(pid text) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT COALESCE(string_agg(j.value, ' '), '') FROM analyses a, json_each_text(a.sections::json) j
        WHERE a.paper_id=pid AND a.status='ok' $$""",
    """CREATE OR REPLACE FUNCTION search_refresh(pid text) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_docs (paper_id) VALUES (pid) ON CONFLICT (paper_id) DO NOTHING;
        UPDATE search_docs d SET code=(p.code_url IS NOT NULL)::int,
               tsv=search_vector(p.title, p.authors, p.abstract, search_analysis_text(pid))
        FROM (SELECT * FROM papers WHERE paper_id=pid ORDER BY version DESC LIMIT 1) p
        WHERE d.paper_id=pid $$""",
    """CREATE OR REPLACE FUNCTION search_on_paper() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM search_refresh(NEW.paper_id); RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION search_on_listing() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO search_docs (paper_id) VALUES (NEW.paper_id) ON CONFLICT (paper_id) DO NOTHING;
          UPDATE search_docs SET day=GREATEST(COALESCE(day, ''), NEW.day) WHERE paper_id=NEW.paper_id;
          RETURN NULL;
        END $$""",
]
TRIGGERS = {
    "search_paper": "AFTER INSERT OR UPDATE OF title, authors, abstract, code_url ON papers "
                    "FOR EACH ROW EXECUTE FUNCTION search_on_paper()",
    "search_analysis": "AFTER INSERT OR UPDATE ON analyses FOR EACH ROW WHEN (NEW.status='ok') "
                       "EXECUTE FUNCTION search_on_paper()",
    "search_listed": "AFTER INSERT ON day_papers FOR EACH ROW EXECUTE FUNCTION search_on_listing()",
}
_TABLES = {"search_paper": "papers", "search_analysis": "analyses", "search_listed": "day_papers"}

_REBUILD = [
    "DELETE FROM search_docs",
    "INSERT INTO search_docs (paper_id) SELECT DISTINCT paper_id FROM papers ORDER BY paper_id",
    """UPDATE search_docs d SET day=l.day FROM (SELECT paper_id, MAX(day) AS day FROM day_papers GROUP BY paper_id) l
       WHERE l.paper_id=d.paper_id""",
]


_NOT_ALNUM = re.compile(r"[\W_]+")


def indexed(text: str | None) -> str:
    """Text as ``search_text`` (SQL) cuts it: accents folded, punctuation a space, Chinese in
    character pairs."""
    return search_text(_NOT_ALNUM.sub(" ", (text or "").translate(_FOLD)))


def refold(db: Any) -> None:
    """The search function of this module's version, and every paper indexed again, cut in
    Python (m024, in its transaction)."""
    db.execute(FUNCTIONS[0])
    for batch in _batches(db):
        _reindex(db, batch)


@contextlib.contextmanager
def papers_rewritten(db: Any, ids: list[str]) -> Iterator[None]:
    """Rewrite the ``papers`` rows of ``ids`` (in the caller's transaction) with the search
    trigger set aside, then index those papers at once, cut in Python (a migration)."""
    db.execute("ALTER TABLE papers DISABLE TRIGGER search_paper")
    yield
    db.execute("ALTER TABLE papers ENABLE TRIGGER search_paper")
    for start in range(0, len(ids), 2000):
        _reindex(db, ids[start:start + 2000])


def _batches(db: Any, size: int = 2000) -> Iterator[list[str]]:
    ids = [r[0] for r in db.execute("SELECT paper_id FROM search_docs ORDER BY paper_id")]
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _reindex(db: Any, ids: list[str]) -> None:
    """The search rows of ``ids`` from their latest versions and analyses, the text cut in
    Python (as ``search_text`` does in SQL, where its regular expressions cost ms a paper: an
    hour at 100,000 papers)."""
    rows = db.execute(
        """SELECT p.paper_id, p.title, p.authors, p.abstract, p.code_url,
                  (SELECT string_agg(j.value, ' ') FROM analyses a, json_each_text(a.sections::json) j
                   WHERE a.paper_id=p.paper_id AND a.status='ok') AS analysis
           FROM (SELECT DISTINCT ON (paper_id) * FROM papers WHERE paper_id = ANY(?)
                 ORDER BY paper_id, version DESC) p""", (ids,)).fetchall()
    db.executemany(
        "UPDATE search_docs SET code=?, tsv=setweight(to_tsvector('simple', ?), 'A') || "
        "setweight(to_tsvector('simple', ?), 'B') || setweight(to_tsvector('simple', ?), 'C') || "
        "setweight(to_tsvector('simple', ?), 'D') WHERE paper_id=?",
        [(int(r["code_url"] is not None), indexed(r["title"]), indexed(r["authors"]),
          indexed(r["abstract"]), indexed(r["analysis"]), r["paper_id"]) for r in rows])


def install(db: Any) -> None:
    """The search column, its index, functions and triggers, and every paper indexed (m021)."""
    db.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector")
    db.execute("CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv)")
    for statement in FUNCTIONS:
        db.execute(statement)
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    for statement in _REBUILD:
        db.execute(statement)
    for batch in _batches(db):  # (in the migration's transaction)
        _reindex(db, batch)


def tsquery(q: str) -> str:
    """The ``to_tsquery`` text of a query (every term must match, its accents folded as the
    index's are); "" when it has no term."""
    parts = []
    for term in terms(q.translate(_FOLD)):
        found = phrase(term)
        if found:
            tokens, prefix = found
            parts.append("(" + " <-> ".join(f"'{t}'" for t in tokens) + (":*" if prefix else "") + ")")
    return " & ".join(parts)


class PgSearch(Search):
    """``Search`` on PostgreSQL: the same queries, filters, paging and snippets."""

    MATCHES = "search_docs doc {paper} WHERE doc.tsv @@ to_tsquery('simple', ?)"
    CATEGORY = "p.categories::jsonb @> jsonb_build_array(?::text)"
    AUTHOR = "p.authors ILIKE ?"
    # a lab user's days are their own (``day_papers`` on their search path): the topics and
    # kept filters read them, not a column shared by every user
    TOPIC = ("EXISTS (SELECT 1 FROM day_papers d, json_array_elements(d.topics::json) t WHERE d.paper_id=doc.paper_id"
             " AND t->>'topic'=? AND t->>'kept_by' IS NOT NULL)")
    TOPIC_ARG = "{}"
    KEPT = "EXISTS (SELECT 1 FROM day_papers d WHERE d.paper_id=doc.paper_id AND d.kept=1)"
    ANALYSIS_TEXT = "SELECT string_agg(j.value, ' ') FROM analyses a, json_each_text(a.sections::json) j"

    def match(self, q: str) -> str:
        return tsquery(q)

    def _hits(self, ids: list[str], words: list[str]) -> list[Any]:
        """The page's papers in one query (each a round trip to the server, not a call)."""
        rows = {r["paper_id"]: r for r in self.db.execute(
            f"{self.HIT} WHERE p.paper_id = ANY(?) AND p.version=(SELECT MAX(version) FROM papers q "
            "WHERE q.paper_id=p.paper_id)", (ids,))}
        return [self._made(rows[i], words) for i in ids if i in rows]

    def rebuild(self) -> None:
        """Every paper's row afresh, a few thousand papers a transaction (``_reindex``)."""
        with self.db:
            for statement in _REBUILD:  # the rows and their latest days
                self.db.execute(statement)
        for batch in _batches(self.db):
            with self.db:
                _reindex(self.db, batch)

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        with self.db:
            for name, table in _TABLES.items():
                self.db.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        try:
            yield
        finally:
            with self.db:
                for name, table in _TABLES.items():
                    self.db.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
            self.rebuild()

    def _newest(self, match: str, paper: str, filters: str, args: list[Any], limit: int, offset: int) -> list[Any]:
        return self.db.execute(
            f"SELECT doc.paper_id FROM {self.MATCHES.format(paper=paper)}{filters} "
            "ORDER BY doc.day DESC NULLS LAST, doc.id DESC LIMIT ? OFFSET ?", (match, *args, limit, offset)).fetchall()

    def _ranked(self, match: str, paper: str, filters: str, args: list[Any], want: int) -> list[Any]:
        """Ranked by ts_rank; a term of more than BROAD papers is ranked among its newest
        BROAD first (as on SQLite: the cost stays bounded)."""
        sql = (f"SELECT doc.paper_id FROM {self.MATCHES.format(paper=paper)} AND doc.id OP ?{filters} "
               f"ORDER BY ts_rank({WEIGHTS}, doc.tsv, to_tsquery('simple', ?)) DESC, doc.id DESC LIMIT ?")
        cut = self.db.execute(f"SELECT doc.id FROM {self.MATCHES.format(paper='')} ORDER BY doc.id DESC "
                              "LIMIT 1 OFFSET ?", (match, search.BROAD)).fetchone()
        rows = self.db.execute(sql.replace(" OP ", " > "), (match, cut[0] if cut else 0, *args, match, want)).fetchall()
        if cut and len(rows) < want:
            rows += self.db.execute(sql.replace(" OP ", " <= "), (match, cut[0], *args, match, want - len(rows))).fetchall()
        return rows
