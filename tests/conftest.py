"""Every test gets a fresh home directory, no arXiv or LLM settings from the
machine, and arXiv URLs that point at a closed loopback port, so nothing can
reach the internet by accident."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes import FakeLLM, GoldenServer

CLOSED = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith(("ARXIV_MONITOR_", "OPENAI_")):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("ARXIV_MONITOR_HOME", str(home))
    monkeypatch.setenv("ARXIV_MONITOR_RAISE", "1")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL", "0")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_BACKOFF", "0")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_MAX_RETRIES", "2")
    # pipeline tests select by keywords; the relevance tests choose their ranker
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "keywords")
    for name in ("RSS", "API", "HTML", "PDF"):
        monkeypatch.setenv(f"ARXIV_MONITOR_ARXIV_{name}_URL", f"{CLOSED}/{name.lower()}")
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_CROSSREF_URL", f"{CLOSED}/crossref")
    for name in ("BIORXIV", "MEDRXIV", "HUGGINGFACE"):
        monkeypatch.setenv(f"ARXIV_MONITOR_{name}_API_URL", f"{CLOSED}/{name.lower()}")
    # `serve` starts the reading room only where a test asks for it (on a free port)
    monkeypatch.setenv("ARXIV_MONITOR_WEB_ENABLED", "false")
    return home


@pytest.fixture
def arxiv(monkeypatch: pytest.MonkeyPatch):
    """A loopback arXiv: RSS, export API, HTML and PDF served from golden routes."""
    with GoldenServer() as server:
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_RSS_URL", f"{server.url}/rss")
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_API_URL", f"{server.url}/api/query")
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_HTML_URL", f"{server.url}/html")
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_PDF_URL", f"{server.url}/pdf")
        yield server


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch):
    """A loopback OpenAI-compatible endpoint, configured for the pipeline."""
    with FakeLLM(api_key="sk-test-secret-1234") as server:
        monkeypatch.setenv("ARXIV_MONITOR_LLM_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("ARXIV_MONITOR_LLM_API_KEY", "sk-test-secret-1234")
        monkeypatch.setenv("ARXIV_MONITOR_LLM_MODEL", "fake-model")
        monkeypatch.setenv("ARXIV_MONITOR_LLM_MAX_RETRIES", "2")
        yield server


POSTGRES = os.environ.get("TEST_POSTGRES_URL", "")  # a throwaway server (.ci/postgres starts one)


def postgres_schema(name: str) -> str:
    """A fresh, empty schema of the test server, as a database URL."""
    import re

    import psycopg

    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set: .ci/run starts a PostgreSQL server for these tests")
        pytest.skip("no PostgreSQL test server (set TEST_POSTGRES_URL, or run .ci/postgres)")
    schema = "t_" + re.sub(r"\W", "_", name.lower())[-50:]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        users = conn.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (f"{schema}_u_",))
        for (name,) in users.fetchall():  # a lab user's own tables, from an earlier run of the test
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    """Where a store lives, once for each backend: a SQLite file, and a fresh schema of the
    PostgreSQL test server (the same store tests run on both)."""
    if request.param == "sqlite":
        yield str(tmp_path / "db.sqlite")
        return
    yield postgres_schema(request.node.name)
    from arxiv_monitor.store.engine import close_pools

    close_pools()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The home's store on each backend in turn: the default SQLite file, then a fresh schema of
    the PostgreSQL test server (``paths.database``), for tests of whole commands."""
    if request.param == "postgresql":
        monkeypatch.setenv("ARXIV_MONITOR_PATHS_DATABASE", postgres_schema(request.node.name))
        yield request.param
        from arxiv_monitor.store.engine import close_pools

        close_pools()
        return
    yield request.param
