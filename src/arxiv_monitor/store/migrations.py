"""The database schema, as a list of named migrations (as simonw/llm keeps its own).

Each migration is a function of the connection, the same list for both stores: SQLite and
PostgreSQL (``engine.py`` turns SQLite's DDL into PostgreSQL's). Where the two differ
(full-text search and its triggers), a step asks ``db.dialect``. ``Store.migrate`` applies
the ones not yet applied, in order, each in one transaction together with its row in ``_migrations``,
while holding the migration lock, so two processes opening a new database at once never
apply one twice. ``docs/schema.md`` is generated from the database they make
(``scripts/schema_doc.py``; a test fails when it is out of date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

MIGRATIONS: list[Callable[[Any], None]] = []


def now() -> str:
    """The timestamp format of every table: UTC, ISO 8601, seconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def migration(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Add ``fn`` to the list: its name is its number and what it does."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: Any) -> None:
    """Papers (one row per version), days and their listed papers, full texts, analyses and runs."""
    for statement in [
        """CREATE TABLE papers (
            arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            title TEXT NOT NULL, abstract TEXT NOT NULL, authors TEXT NOT NULL,
            categories TEXT NOT NULL, primary_category TEXT, comments TEXT,
            doi TEXT, journal_ref TEXT, published TEXT, code_url TEXT,
            enriched INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
            PRIMARY KEY (arxiv_id, version))""",
        """CREATE TABLE days (
            day TEXT PRIMARY KEY, categories TEXT NOT NULL, keywords TEXT NOT NULL,
            items INTEGER NOT NULL, updated_at TEXT NOT NULL)""",
        """CREATE TABLE day_papers (
            day TEXT NOT NULL, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            announce_type TEXT NOT NULL, position INTEGER NOT NULL,
            hits TEXT NOT NULL, PRIMARY KEY (day, arxiv_id))""",
        """CREATE TABLE fulltexts (
            arxiv_id TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL,
            status TEXT NOT NULL, error TEXT, sections TEXT NOT NULL,
            fetched_at TEXT NOT NULL, PRIMARY KEY (arxiv_id, version))""",
        """CREATE TABLE analyses (
            id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            backend TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
            language TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
            sections TEXT NOT NULL, source TEXT NOT NULL,
            tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (arxiv_id, version, backend, model, prompt_version, language))""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY, day TEXT, started_at TEXT NOT NULL,
            finished_at TEXT, status TEXT NOT NULL, stats TEXT)""",
        "CREATE INDEX analyses_paper ON analyses (arxiv_id, version)",
    ]:
        db.execute(statement)


@migration
def m002_deliveries(db: Any) -> None:
    """The delivery ledger: what was sent to which target for which day."""
    for statement in [
        """CREATE TABLE deliveries (
            day TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
            error TEXT, attempts INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL, PRIMARY KEY (day, target))""",
    ]:
        db.execute(statement)


@migration
def m003_analysis_checks(db: Any) -> None:
    """Each analysis keeps how many claims were checked in the paper and which were not found."""
    for statement in [
        "ALTER TABLE analyses ADD COLUMN claims_total INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE analyses ADD COLUMN unsupported TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE analyses ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'",
    ]:
        db.execute(statement)


@migration
def m004_overviews(db: Any) -> None:
    """The day's overview (今日速览), with the key of the analyses it was written from."""
    for statement in [
        """CREATE TABLE overviews (
            day TEXT PRIMARY KEY, key TEXT NOT NULL, backend TEXT NOT NULL,
            data TEXT NOT NULL, created_at TEXT NOT NULL)""",
    ]:
        db.execute(statement)


@migration
def m005_relevance(db: Any) -> None:
    """Every topic's decision per listed paper, embeddings cached per paper version and model, and ratings."""
    for statement in [
        "ALTER TABLE day_papers ADD COLUMN topics TEXT NOT NULL DEFAULT '[]'",
        """CREATE TABLE embeddings (
            key TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
            PRIMARY KEY (key, model))""",
        """CREATE TABLE ratings (
            arxiv_id TEXT NOT NULL, topic TEXT NOT NULL, rating INTEGER NOT NULL,
            created_at TEXT NOT NULL, PRIMARY KEY (arxiv_id, topic))""",
    ]:
        db.execute(statement)


@migration
def m006_all_listings(db: Any) -> None:
    """Every fetched paper of a day is listed, kept or not, so any of them can be explained and
    rated; ``kept`` marks the ones the report shows."""
    for statement in [
        "ALTER TABLE day_papers ADD COLUMN kept INTEGER NOT NULL DEFAULT 1",
        "CREATE INDEX day_papers_paper ON day_papers (arxiv_id)",
    ]:
        db.execute(statement)


@migration
def m007_llm_endpoints(db: Any) -> None:
    """How each LLM endpoint and model takes replies (json_schema, json_object or text), so a run
    does not rediscover it with a failed request."""
    for statement in [
        """CREATE TABLE llm_endpoints (
            base_url TEXT NOT NULL, model TEXT NOT NULL, reply_mode TEXT NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (base_url, model))""",
    ]:
        db.execute(statement)


@migration
def m008_published_reports(db: Any) -> None:
    """What a day's report shows is recorded when it is published, so `report --date` reproduces it
    whatever the environment; the ledger tracks each message part and the version of the report
    a target has, so a retry sends only what failed and a repaired day is sent once more as an
    update; full texts count their attempts."""
    for statement in [
        "ALTER TABLE days ADD COLUMN published TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE day_papers ADD COLUMN analysis_id INTEGER",
        "ALTER TABLE day_papers ADD COLUMN fallback_id INTEGER",
        "ALTER TABLE day_papers ADD COLUMN updated_from INTEGER",
        "ALTER TABLE deliveries ADD COLUMN report_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE deliveries ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE deliveries ADD COLUMN sent_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE deliveries ADD COLUMN sent_quality TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE fulltexts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
        "UPDATE deliveries SET sent_key='legacy' WHERE status='sent'",
    ]:
        db.execute(statement)


@migration
def m009_fulltext_links(db: Any) -> None:
    """The links a full text holds (its link annotations), where code repositories are found."""
    for statement in [
        "ALTER TABLE fulltexts ADD COLUMN links TEXT NOT NULL DEFAULT '[]'",
    ]:
        db.execute(statement)


@migration
def m010_libraries(db: Any) -> None:
    """A topic's library (a Zotero library or an export file), resolved to titles and abstracts,
    newest first: read again once a day, and used as it is when it cannot be."""
    for statement in [
        """CREATE TABLE libraries (
            source TEXT PRIMARY KEY, items TEXT NOT NULL, skipped INTEGER NOT NULL,
            fetched_at TEXT NOT NULL)""",
    ]:
        db.execute(statement)


@migration
def m011_claim_evidence(db: Any) -> None:
    """Each claim of an analysis with its verdict and the sentence or table row that supports it
    (or what was looked for), shown on hover in the HTML report and the reading room."""
    for statement in [
        "ALTER TABLE analyses ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'",
    ]:
        db.execute(statement)


@migration
def m012_search(db: Any) -> None:
    """Full-text search over every stored paper (the reading room): title, authors, abstract and
    the text of its analyses, with trigrams so Chinese analysis text is searchable too; triggers
    keep it in step with the papers and analyses tables. (SQLite only: m021 indexes PostgreSQL.)"""
    if db.dialect != "sqlite":
        return
    for statement in [
        """CREATE VIRTUAL TABLE search_index USING fts5(
            arxiv_id UNINDEXED, title, authors, abstract, analysis, tokenize='trigram')""",
        """CREATE TRIGGER search_paper_in AFTER INSERT ON papers BEGIN
            DELETE FROM search_index WHERE arxiv_id=NEW.arxiv_id;
            INSERT INTO search_index (arxiv_id, title, authors, abstract, analysis)
            VALUES (NEW.arxiv_id, NEW.title, NEW.authors, NEW.abstract, COALESCE((
                SELECT group_concat(j.value, ' ') FROM analyses a, json_each(a.sections) j
                WHERE a.arxiv_id=NEW.arxiv_id AND a.status='ok'), '')); END""",
        """CREATE TRIGGER search_paper_up AFTER UPDATE OF title, authors, abstract ON papers BEGIN
            UPDATE search_index SET title=NEW.title, authors=NEW.authors, abstract=NEW.abstract
            WHERE arxiv_id=NEW.arxiv_id; END""",
        """CREATE TRIGGER search_analysis AFTER INSERT ON analyses WHEN NEW.status='ok' BEGIN
            UPDATE search_index SET analysis=(
                SELECT COALESCE(group_concat(j.value, ' '), '') FROM analyses a, json_each(a.sections) j
                WHERE a.arxiv_id=NEW.arxiv_id AND a.status='ok')
            WHERE arxiv_id=NEW.arxiv_id; END""",
        """INSERT INTO search_index (arxiv_id, title, authors, abstract, analysis)
            SELECT p.arxiv_id, p.title, p.authors, p.abstract, COALESCE((
                SELECT group_concat(j.value, ' ') FROM analyses a, json_each(a.sections) j
                WHERE a.arxiv_id=p.arxiv_id AND a.status='ok'), '')
            FROM papers p WHERE p.version=(SELECT MAX(version) FROM papers q WHERE q.arxiv_id=p.arxiv_id)""",
    ]:
        db.execute(statement)


def _search_rows(db: Any) -> None:
    """m013 on PostgreSQL: the table of search rows only (m021 adds its index)."""
    db.execute("""CREATE TABLE search_docs (id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL UNIQUE, day TEXT,
        topics TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX search_docs_day ON search_docs (day)")
    db.execute("CREATE INDEX IF NOT EXISTS day_papers_kept ON day_papers (day, kept)")


# m013: the old index away, then its rows
_M013_TABLES = [
    "DROP TRIGGER IF EXISTS search_paper_in",
    "DROP TRIGGER IF EXISTS search_paper_up",
    "DROP TRIGGER IF EXISTS search_analysis",
    "DROP TRIGGER IF EXISTS search_listed",
    "DROP TABLE IF EXISTS search_index",
    "DROP TABLE IF EXISTS search_docs",
    # One row per paper: its index row id, its latest day and the topics it was kept for
    # (",VLA,TRAFFIC_ST,"), so that filters and the date order need no look-up per match.
    """CREATE TABLE search_docs (id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL UNIQUE, day TEXT,
        topics TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX search_docs_day ON search_docs (day)",
    "CREATE INDEX IF NOT EXISTS day_papers_kept ON day_papers (day, kept)",  # the calendar's counts
]

# its word index (unicode61; Chinese cut into pairs by search_text)
_M013_INDEX = [
    """CREATE VIRTUAL TABLE search_index USING fts5(
        title, authors, abstract, analysis, tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    "INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)')",
]

# the triggers that keep it
_M013_TRIGGERS = [
    """CREATE TRIGGER search_listed AFTER INSERT ON day_papers BEGIN
        INSERT OR IGNORE INTO search_docs (arxiv_id) VALUES (NEW.arxiv_id);
        UPDATE search_docs SET day=MAX(COALESCE(day, ''), NEW.day), topics=COALESCE((
            SELECT ',' || group_concat(DISTINCT json_extract(t.value, '$.topic')) || ','
            FROM day_papers d, json_each(d.topics) t
            WHERE d.arxiv_id=NEW.arxiv_id AND json_extract(t.value, '$.kept_by') IS NOT NULL), '')
        WHERE arxiv_id=NEW.arxiv_id; END""",
    """CREATE TRIGGER search_paper_in AFTER INSERT ON papers BEGIN
        INSERT OR IGNORE INTO search_docs (arxiv_id) VALUES (NEW.arxiv_id);
        DELETE FROM search_index WHERE rowid=(SELECT id FROM search_docs WHERE arxiv_id=NEW.arxiv_id);
        INSERT INTO search_index (rowid, title, authors, abstract, analysis)
        SELECT d.id, search_text(NEW.title), search_text(NEW.authors), search_text(NEW.abstract),
               search_text(x.analysis)
        FROM search_docs d, (SELECT COALESCE(group_concat(j.value, ' '), '') AS analysis
                             FROM analyses a, json_each(a.sections) j
                             WHERE a.arxiv_id=NEW.arxiv_id AND a.status='ok') x
        WHERE d.arxiv_id=NEW.arxiv_id; END""",
    """CREATE TRIGGER search_paper_up AFTER UPDATE OF title, authors, abstract ON papers BEGIN
        UPDATE search_index SET title=search_text(NEW.title), authors=search_text(NEW.authors),
            abstract=search_text(NEW.abstract)
        WHERE rowid=(SELECT id FROM search_docs WHERE arxiv_id=NEW.arxiv_id); END""",
    """CREATE TRIGGER search_analysis AFTER INSERT ON analyses WHEN NEW.status='ok' BEGIN
        UPDATE search_index SET analysis=search_text(x.analysis)
        FROM (SELECT COALESCE(group_concat(j.value, ' '), '') AS analysis
              FROM analyses a, json_each(a.sections) j WHERE a.arxiv_id=NEW.arxiv_id AND a.status='ok') x
        WHERE search_index.rowid=(SELECT id FROM search_docs WHERE arxiv_id=NEW.arxiv_id); END""",
]

# and every stored paper indexed
_M013_FILL = [
    "INSERT INTO search_docs (arxiv_id) SELECT DISTINCT arxiv_id FROM papers ORDER BY arxiv_id",
    """WITH listed AS (SELECT d.arxiv_id, MAX(d.day) AS day FROM day_papers d GROUP BY d.arxiv_id),
            kept AS (SELECT d.arxiv_id, ',' || group_concat(DISTINCT json_extract(t.value, '$.topic')) || ',' AS topics
                     FROM day_papers d, json_each(d.topics) t WHERE json_extract(t.value, '$.kept_by') IS NOT NULL
                     GROUP BY d.arxiv_id)
        UPDATE search_docs SET day=listed.day, topics=COALESCE(kept.topics, '')
        FROM listed LEFT JOIN kept ON kept.arxiv_id=listed.arxiv_id WHERE listed.arxiv_id=search_docs.arxiv_id""",
    """WITH texts AS (SELECT a.arxiv_id, group_concat(j.value, ' ') AS analysis
                      FROM analyses a, json_each(a.sections) j WHERE a.status='ok' GROUP BY a.arxiv_id)
        INSERT INTO search_index (rowid, title, authors, abstract, analysis)
        SELECT d.id, search_text(p.title), search_text(p.authors), search_text(p.abstract),
               search_text(COALESCE(x.analysis, ''))
        FROM search_docs d JOIN papers p ON p.arxiv_id=d.arxiv_id
          AND p.version=(SELECT MAX(version) FROM papers q WHERE q.arxiv_id=d.arxiv_id)
        LEFT JOIN texts x ON x.arxiv_id=d.arxiv_id""",
]


@migration
def m013_search_words(db: Any) -> None:
    """m012 indexed trigrams, and its triggers found a paper's row by an unindexed column (a scan
    of the index per saved paper). At 100,000 papers a common word's trigrams cost a second a
    query. Now: words (unicode61), with Chinese cut into overlapping pairs by search_text()
    (registered on every connection), and each paper's row keyed by search_docs.id."""
    if db.dialect != "sqlite":
        return _search_rows(db)
    for statement in [*_M013_TABLES, *_M013_INDEX, *_M013_TRIGGERS, *_M013_FILL]:
        db.execute(statement)


@migration
def m014_paper_ids(db: Any) -> None:
    """Papers from any source: every ``arxiv_id`` column becomes ``paper_id``. arXiv ids stay
    as they were (bare); another source's ids are ``source:key``. SQLite rewrites the search
    index's triggers with the columns."""
    for table in ("papers", "day_papers", "fulltexts", "analyses", "ratings", "search_docs"):
        db.execute(f"ALTER TABLE {table} RENAME COLUMN arxiv_id TO paper_id")


@migration
def m015_pending_days(db: Any) -> None:
    """Days whose catch-up failed (a source could not be read), so the next runs try them again."""
    db.execute("""CREATE TABLE pending_days (
        day TEXT PRIMARY KEY, error TEXT NOT NULL, attempts INTEGER NOT NULL, updated_at TEXT NOT NULL)""")


@migration
def m016_paper_extra(db: Any) -> None:
    """What a paper's source knows besides the common fields (bioRxiv: its JATS file, its type and
    license), as JSON."""
    db.execute("ALTER TABLE papers ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'")


@migration
def m017_signals(db: Any) -> None:
    """Community signals (``signals``): what each was told about a paper, and the days a
    signal could not be asked (said once in the day's report)."""
    db.execute("""CREATE TABLE signals (
        paper_id TEXT NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL, day TEXT NOT NULL,
        upvotes INTEGER, stars INTEGER, repo_url TEXT, url TEXT, fetched_at TEXT NOT NULL,
        PRIMARY KEY (paper_id, name))""")
    db.execute("""CREATE TABLE signal_gaps (
        day TEXT NOT NULL, label TEXT NOT NULL, error TEXT NOT NULL, PRIMARY KEY (day, label))""")


@migration
def m018_trend_reports(db: Any) -> None:
    """Trends reports (a week's, a month's, a range's), as their JSON: the reading room and
    the static site show them, the ledger delivers them once."""
    db.execute("""CREATE TABLE trend_reports (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
        data TEXT NOT NULL, created_at TEXT NOT NULL)""")


@migration
def m019_day_decided_with(db: Any) -> None:
    """What a day's decisions were made with (a digest of the topics, the ranker and the
    ratings): a rerun with the same listing and the same digest reuses them."""
    db.execute("ALTER TABLE days ADD COLUMN decided_with TEXT NOT NULL DEFAULT ''")


_CODE_FLAG = """UPDATE search_docs SET code=COALESCE((SELECT p.code_url IS NOT NULL FROM papers p
                WHERE p.paper_id=NEW.paper_id ORDER BY p.version DESC LIMIT 1), 0) WHERE paper_id=NEW.paper_id"""


@migration
def m020_search_code(db: Any) -> None:
    """Whether a paper's latest version has a code link, kept beside its search row, so the "has
    code" filter needs no look-up of the paper per match (a broad word with the filter cost 10 ms)."""
    db.execute("ALTER TABLE search_docs ADD COLUMN code INTEGER NOT NULL DEFAULT 0")
    if db.dialect != "sqlite":
        return
    db.execute(f"""CREATE TRIGGER search_code_in AFTER INSERT ON papers BEGIN
        INSERT OR IGNORE INTO search_docs (paper_id) VALUES (NEW.paper_id); {_CODE_FLAG}; END""")
    db.execute(f"CREATE TRIGGER search_code_up AFTER UPDATE OF code_url ON papers BEGIN {_CODE_FLAG}; END")
    db.execute("""UPDATE search_docs SET code=1 WHERE paper_id IN (SELECT p.paper_id FROM papers p
        WHERE p.code_url IS NOT NULL AND p.version=(SELECT MAX(version) FROM papers q WHERE q.paper_id=p.paper_id))""")


@migration
def m021_postgres_search(db: Any) -> None:
    """PostgreSQL's own full-text search: a weighted ``tsvector`` per paper in ``search_docs``,
    a GIN index, and triggers that keep it (``search_pg.py``). Nothing to do on SQLite (m013)."""
    if db.dialect == "sqlite":
        return
    from arxiv_monitor.store.search_pg import install
    install(db)


@migration
def m022_claims(db: Any) -> None:
    """Work claimed by a worker (a paper's analysis in a language), until it is done or the
    claim expires: several workers share one stage, and none does another's work."""
    db.execute("""CREATE TABLE claims (
        key TEXT PRIMARY KEY, worker TEXT, expires_at TEXT, done INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL)""")


@migration
def m023_lab_accounts(db: Any) -> None:
    """A lab server's accounts (a role, an argon2 password hash, a language, disabled or not),
    their API tokens (SHA-256 of the token: the token itself is shown once and never stored),
    the topics each user owns or the lab shares (``owner`` ''), who follows which lab topic, and
    every member's ratings of the lab's topics (which learn from them all)."""
    db.execute("""CREATE TABLE users (
        login TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,
        password_hash TEXT, language TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)""")
    db.execute("""CREATE TABLE tokens (
        hash TEXT PRIMARY KEY, login TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL,
        last_used_at TEXT)""")
    db.execute("""CREATE TABLE lab_topics (
        owner TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (owner, id))""")
    db.execute("""CREATE TABLE follows (
        login TEXT NOT NULL, topic TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (login, topic))""")
    db.execute("""CREATE TABLE lab_ratings (
        login TEXT NOT NULL, paper_id TEXT NOT NULL, topic TEXT NOT NULL, rating INTEGER NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (login, paper_id, topic))""")


@migration
def m024_postgres_search_accents(db: Any) -> None:
    """PostgreSQL's search folds accents, as SQLite's does (``Muller`` finds "Müller"): the
    search function again, and every paper indexed again. Nothing to do on SQLite."""
    if db.dialect == "sqlite":
        return
    from arxiv_monitor.store.search_pg import refold
    refold(db)


@migration
def m025_authors_as_written(db: Any) -> None:
    """Authors stored as written (``Jörg Müller``, ``张伟``), not as JSON escapes: the search
    index reads that column, and an escaped name was found by no query of it. Each changed row
    is indexed again."""
    import contextlib
    import json

    changed = [(json.dumps(json.loads(a), ensure_ascii=False), pid, v)
               for pid, v, a in db.execute("SELECT paper_id, version, authors FROM papers").fetchall() if "\\u" in a]
    if db.dialect == "sqlite":
        rewriting = contextlib.nullcontext()
    else:  # (PostgreSQL's trigger would cut each paper's text in SQL: ms a paper)
        from arxiv_monitor.store.search_pg import papers_rewritten
        rewriting = papers_rewritten(db, sorted({pid for _, pid, _ in changed}))
    with rewriting:
        db.executemany("UPDATE papers SET authors=? WHERE paper_id=? AND version=?", changed)


@migration
def m026_priors(db: Any) -> None:
    """The relevance prior fitted for a ranker's model from the user's labels (``eval relevance
    --calibrate``), by ranker name (``semantic:MODEL``, ``tfidf``): the weights that turn a
    similarity and keyword evidence into a probability, the label file it came from."""
    db.execute("""CREATE TABLE priors (
        ranker TEXT PRIMARY KEY, weights TEXT NOT NULL, source TEXT NOT NULL, fitted_at TEXT NOT NULL)""")
