"""Search across every stored paper: SQLite FTS5 with trigrams (``search_index``).

Trigrams find any run of three or more characters, so the Chinese analysis text
is searchable as well as the English fields; a shorter term (two Chinese
characters) is looked up with LIKE. Each term must match (AND); a phrase in
quotes is one term. Filters: date range, topic (papers kept for it), category,
author, has code; sorted by relevance (bm25) or date.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

START, END = "\x02", "\x03"  # snippet highlight markers, made <mark> after escaping


@dataclass
class Hit:
    arxiv_id: str
    version: int
    title: str
    day: str | None
    snippet: str  # HTML: escaped text with <mark> around the matches
    code_url: str | None


def terms(query: str) -> list[str]:
    """A query's terms: quoted phrases and words."""
    return [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', query or "") if (a or b).strip()]


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

    def query(self, q: str, day_from: str | None = None, day_to: str | None = None, topic: str | None = None,
              category: str | None = None, author: str | None = None, has_code: bool = False,
              sort: str = "relevance", limit: int = 50, offset: int = 0) -> list[Hit]:
        words = terms(q)
        long_terms = [w for w in words if len(w) >= 3]
        short = [w for w in words if len(w) < 3]
        where, args = [], []
        if long_terms:
            where.append("search_index MATCH ?")
            args.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_terms))
        for w in short:
            where.append("(s.title LIKE ? OR s.abstract LIKE ? OR s.analysis LIKE ? OR s.authors LIKE ?)")
            args += [f"%{w}%"] * 4
        if not where:
            return []
        if category:
            where.append("EXISTS (SELECT 1 FROM json_each(p.categories) c WHERE c.value=?)")
            args.append(category)
        if author:
            where.append("p.authors LIKE ?")
            args.append(f"%{author}%")
        if has_code:
            where.append("p.code_url IS NOT NULL")
        if topic:
            where.append("""EXISTS (SELECT 1 FROM day_papers d, json_each(d.topics) t WHERE d.arxiv_id=s.arxiv_id
                            AND json_extract(t.value, '$.topic')=? AND json_extract(t.value, '$.kept_by') IS NOT NULL)""")
            args.append(topic)
        snippet = (f"snippet(search_index, -1, '{START}', '{END}', '…', 14)" if long_terms else "''")
        rank = "bm25(search_index)" if long_terms else "0"
        sql = f"""SELECT * FROM (
                    SELECT s.arxiv_id, p.version, p.title, p.code_url, {snippet} AS snip, {rank} AS rank,
                           s.abstract, s.analysis,
                           (SELECT MAX(d.day) FROM day_papers d WHERE d.arxiv_id=s.arxiv_id) AS day
                    FROM search_index s JOIN papers p ON p.arxiv_id=s.arxiv_id
                    WHERE p.version=(SELECT MAX(version) FROM papers q WHERE q.arxiv_id=s.arxiv_id)
                      AND {' AND '.join(where)})
                  WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?)
                  ORDER BY {'day DESC, rank' if sort == 'date' else 'rank, day DESC'} LIMIT ? OFFSET ?"""
        rows = self.db.execute(sql, (*args, day_from, day_from, day_to, day_to, limit, offset)).fetchall()
        out = []
        for r in rows:
            if r["snip"]:
                snip = html.escape(r["snip"]).replace(START, "<mark>").replace(END, "</mark>")
            else:
                snip = highlight(r["abstract"] + " " + r["analysis"], words)
            out.append(Hit(r["arxiv_id"], r["version"], r["title"], r["day"], snip, r["code_url"]))
        return out
