"""What the static site's incremental build asks of the store: what each page shows, as
strings that change when the page would change, for the papers written since a time."""

from __future__ import annotations

from typing import Any


class SiteChanges:
    """Change keys of paper and day pages (``web.site``)."""

    def __init__(self, db: Any):
        self.db = db

    def paper_keys(self, since: str | None) -> dict[str, tuple[str, str]]:
        """For each kept or rated paper: what its page shows, and what its search index holds
        (title, abstract and analyses; not its ratings or days), one string each. With
        ``since``, only for the papers with a row written since then, and the rated ones (a
        cleared rating leaves no row)."""
        rows = self.db.execute(
            """WITH changed AS (
                 SELECT paper_id FROM papers WHERE updated_at >= :since
                 UNION SELECT paper_id FROM analyses WHERE created_at >= :since
                 UNION SELECT paper_id FROM fulltexts WHERE fetched_at >= :since
                 UNION SELECT d.paper_id FROM days y JOIN day_papers d ON d.day=y.day WHERE y.updated_at >= :since
                 UNION SELECT paper_id FROM signals WHERE fetched_at >= :since
                 UNION SELECT paper_id FROM ratings)
               SELECT p.paper_id,
                 (SELECT group_concat(d.day || d.kept || d.topics, '|') FROM day_papers d WHERE d.paper_id=p.paper_id),
                 (SELECT group_concat(r.topic || r.rating, '|') FROM ratings r WHERE r.paper_id=p.paper_id),
                 (SELECT group_concat(f.version || f.status, '|') FROM fulltexts f WHERE f.paper_id=p.paper_id),
                 p.code_url || COALESCE((SELECT group_concat(s.name || s.upvotes || '/' || s.stars, '|')
                                         FROM signals s WHERE s.paper_id=p.paper_id), ''),
                 (SELECT group_concat(a.id || a.status || a.created_at, '|') FROM analyses a
                  WHERE a.paper_id=p.paper_id),
                 p.version, p.title, length(p.abstract)
               FROM papers p
               WHERE (:since IS NULL OR p.paper_id IN (SELECT paper_id FROM changed))
                 AND p.version=(SELECT MAX(version) FROM papers q WHERE q.paper_id=p.paper_id)
                 AND (EXISTS (SELECT 1 FROM day_papers d WHERE d.paper_id=p.paper_id AND d.kept=1)
                      OR EXISTS (SELECT 1 FROM ratings r WHERE r.paper_id=p.paper_id))""",
            {"since": since}).fetchall()
        out = {}
        for r in rows:
            indexed = "\x1f".join(str(v) for v in r[5:])
            out[r[0]] = ("\x1f".join(str(v) for v in r[1:5]) + "\x1f" + indexed, indexed)
        return out

    def day_keys(self) -> dict[str, str]:
        """What each day's page shows: its published report, its neighbours, its papers' ratings."""
        days = [r[0] for r in self.db.execute("SELECT day FROM days ORDER BY day DESC")]
        published = dict(self.db.execute("SELECT day, published FROM days").fetchall())
        ratings = dict(self.db.execute(
            """SELECT d.day, group_concat(r.paper_id || r.topic || r.rating) FROM ratings r
               JOIN day_papers d ON d.paper_id=r.paper_id GROUP BY d.day""").fetchall())
        return {day: "|".join([published.get(day) or "", days[i - 1] if i else "",
                               days[i + 1] if i + 1 < len(days) else "", ratings.get(day) or ""])
                for i, day in enumerate(days)}
