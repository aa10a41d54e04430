"""A lab server on PostgreSQL: 50 users with 3 topics each on one 2,000-item day, run by
`arxiv-monitor lab run`, then its reading room under 20 concurrent readers.

    .venv/bin/python bench/lab.py [--users 50] [--items 2000] [--ranker auto] [--readers 20]

Uses the server named by $TEST_POSTGRES_URL, else starts a throwaway one
(`.ci/postgres`). The day is 2,000 papers of Zipf-distributed words; 20 lab topics (each
followed by several users) and one own topic per user each name a word planted in some
papers (12 per lab topic, 4 per own topic). Each user follows two lab topics and owns one.
Loopback arXiv (no full texts: each kept paper falls back to its abstract) and a loopback
LLM answering at once, both in a child process (they are elsewhere in use: their threads do
not share the timed run's interpreter). Prints:

1. analyses made, against the sum over separate copies (one per user);
2. decision time per user (the relevance stage alone: the first user embeds the day, the
   others reuse its stored embeddings);
3. the reading room (`arxiv-monitor web` with accounts, in its own process; API tokens) under
   20 concurrent readers: p50 and p95 of the day page and of search, readers back to back
   (the room's saturation) and at a reader's pace.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web import en_text, pct  # noqa: E402

from tests.arxiv_data import FakePaper, rss  # noqa: E402
from tests.fakes import FakeLLM, GoldenServer  # noqa: E402


@contextlib.contextmanager
def postgres():
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    out = subprocess.run([str(ROOT / ".ci" / "postgres")], capture_output=True, text=True, check=True).stdout.split()
    try:
        yield out[0]
    finally:
        subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", out[1]], env={**os.environ, "PG_BIN": out[2]})


def fresh_schema(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                      (f"{name}%",)).fetchall():
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"


class Remote:
    """A fake server running in another process (as arXiv and the LLM are elsewhere: their
    threads do not share this process's interpreter with the run being timed)."""

    def __init__(self, conn, url: str):
        self.conn, self.url = conn, url

    def analysis_calls(self) -> int:
        self.conn.send("analysis_calls")
        return self.conn.recv()


def _serve(conn) -> None:
    with GoldenServer() as arxiv, FakeLLM(api_key="sk-bench") as llm:
        conn.send((arxiv.url, llm.url))
        while (asked := conn.recv()) != "stop":
            conn.send(getattr(llm, asked)())


@contextlib.contextmanager
def elsewhere():
    """(arXiv, LLM): loopback fakes in a child process."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_serve, args=(theirs,), daemon=True)
    child.start()
    arxiv_url, llm_url = ours.recv()
    try:
        yield Remote(ours, arxiv_url), Remote(ours, llm_url)
    finally:
        ours.send("stop")
        child.join(10)


def made_up(rng: random.Random) -> str:
    return "".join(rng.choice(["qua", "zor", "vex", "plin", "drum", "kest", "yar", "wob"]) for _ in range(3))


def the_day(n: int, planted: dict[str, int], rng: random.Random) -> list[FakePaper]:
    """``n`` papers; each word of ``planted`` in as many titles as it says (one word a paper)."""
    slots = [w for w, k in planted.items() for _ in range(k)]
    rng.shuffle(slots)
    papers = []
    for i in range(n):
        title = en_text(rng, rng.randint(6, 11)).title()
        if i < len(slots):
            title = f"{title} with {slots[i]}"
        papers.append(FakePaper(f"2602.{i:05d}", title, en_text(rng, 170) + ".", categories=["cs.LG"]))
    rng.shuffle(papers)
    return papers


def topic_toml(topic_id: str, word: str, cutoff: float) -> str:
    return (f'[[topics]]\nid = "{topic_id}"\nname = "{topic_id}"\nany = ["{word}"]\ndescription = "{word} methods"\n'
            f"cutoff = {cutoff}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--ranker", default="auto")
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--cutoff", type=float, default=0.8,
                    help="the topics' cut-off: made-up text makes similarity noisy, and 0.8 keeps a user's day "
                         "near a real one's size (a few dozen papers)")
    args = ap.parse_args()
    rng = random.Random(7)
    lab_words = {f"LAB{n:02d}": made_up(rng) for n in range(20)}
    own_words = {f"OWN{n:02d}": made_up(rng) for n in range(args.users)}
    planted = {**{w: 12 for w in lab_words.values()}, **{w: 4 for w in own_words.values()}}
    day = the_day(args.items, planted, rng)
    with postgres() as server, tempfile.TemporaryDirectory() as tmp, elsewhere() as (arxiv, llm):
        url = fresh_schema(server, "bench_lab")
        home = Path(tmp) / "home"
        env = {"ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_PATHS_DATABASE": url,
               "ARXIV_MONITOR_RELEVANCE_RANKER": args.ranker, "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0",
               "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api/query",
               "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html", "ARXIV_MONITOR_ARXIV_PDF_URL": f"{arxiv.url}/pdf",
               "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1", "ARXIV_MONITOR_LLM_API_KEY": "sk-bench",
               "ARXIV_MONITOR_LLM_MODEL": "fake-model", "ARXIV_MONITOR_LLM_CONCURRENCY": "8",
               "ARXIV_MONITOR_WEB_ACCOUNTS": "true", "ARXIV_MONITOR_WEB_TOKEN": "bench-session-key"}
        os.environ.update(env)
        from arxiv_monitor import lab, pipeline
        from arxiv_monitor.core.config import load_config
        from arxiv_monitor.store import Store

        config = load_config()
        store = Store(url)
        tokens = {}
        for n in range(args.users):
            tokens[f"user{n:02d}"] = store.users.add(f"user{n:02d}")
        for topic_id, word in lab_words.items():
            (Path(tmp) / "t.toml").write_text(topic_toml(topic_id, word, args.cutoff), encoding="utf-8")
            lab.save_topic(config, lab.read_topics(Path(tmp) / "t.toml")[0])
        for n, (topic_id, word) in enumerate(own_words.items()):
            (Path(tmp) / "t.toml").write_text(topic_toml(topic_id, word, args.cutoff), encoding="utf-8")
            lab.save_topic(config, lab.read_topics(Path(tmp) / "t.toml")[0], f"user{n:02d}")
            for followed in rng.sample(sorted(lab_words), 2):
                store.lab_topics.follow(f"user{n:02d}", followed)
        store.close()
        feed = Path(tmp) / "feed.xml"
        feed.write_text(rss(day), encoding="utf-8")

        decide: list[float] = []
        original = pipeline.stage_match

        def timed_match(*a, **kw):
            t = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                decide.append(time.perf_counter() - t)
        pipeline.stage_match = timed_match
        started = time.perf_counter()
        stats = lab.lab_run(config, [feed])
        wall = time.perf_counter() - started
        pipeline.stage_match = original
        kept = [len(u.kept) for u in stats.users]
        print(f"1. {args.users} users x 3 topics, {args.items}-item day, ranker {args.ranker}: lab run {wall:.1f} s")
        print(f"   {stats.summary()}; LLM analysis requests {llm.analysis_calls()}")
        print(f"   kept per user: median {statistics.median(kept):.0f}, min {min(kept)}, max {max(kept)}")
        rest = [d * 1000 for d in decide[1:]]
        print(f"2. decision time per user: first (embeds the day) {decide[0] * 1000:.0f} ms; the other "
              f"{len(rest)}: median {statistics.median(rest):.1f} ms, p95 {pct(rest, 95):.1f} ms, "
              f"max {max(rest):.1f} ms (target <= 50 ms)")
        readers(tokens, lab_words, own_words, args.readers, args.requests)


def percentiles(results: list[tuple[str, float, int]], note: str = "") -> None:
    for kind in ("day", "search"):
        values = [ms for k, ms, _ in results if k == kind]
        print(f"      {kind:6} p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms{note}")


@contextlib.contextmanager
def web_process():
    """``arxiv-monitor web`` in its own process, as a lab runs it (the readers are elsewhere):
    its port, once it answers."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = subprocess.Popen([sys.executable, "-m", "arxiv_monitor", "web", "--port", str(port)])
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            time.sleep(0.1)
        yield port
    finally:
        app.terminate()
        app.wait(30)


def readers(tokens: dict[str, str], lab_words: dict, own_words: dict, n: int, total: int) -> None:
    """The reading room with accounts, ``n`` readers at once, each with their own API token."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    rng = random.Random(3)
    words = list(lab_words.values()) + list(own_words.values()) + ["learning", "model", "graph network"]
    logins = sorted(tokens)[:n]
    wanted = [(rng.choice(logins), "day", "/day/2026-02-02") for _ in range(total // 2)] + \
        [(rng.choice(logins), "search", "/search?" + str(httpx.QueryParams({"q": rng.choice(words)})))
         for _ in range(total // 2)]
    rng.shuffle(wanted)
    clients = {login: httpx.Client(timeout=60, headers={"authorization": f"Bearer {tokens[login]}"})
               for login in logins}

    def get(port: int, item: tuple[str, str, str]) -> tuple[str, float, int]:
        login, kind, path = item
        t = time.perf_counter()
        status = clients[login].get(f"http://127.0.0.1:{port}{path}").status_code
        return kind, (time.perf_counter() - t) * 1000, status
    with web_process() as port:
        get(port, (logins[0], "day", "/"))  # warm the app
        started = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            results = list(pool.map(lambda item: get(port, item), wanted))
        wall = time.perf_counter() - started
    bad = sum(status != 200 for _, _, status in results)
    print(f"3. reading room on PostgreSQL (accounts, API tokens; `arxiv-monitor web` in its own process), {n} readers:")
    print(f"   a. back to back (each reader's next request as soon as the last is answered), {len(results)} "
          f"requests: {wall:.1f} s, {bad} not 200")
    percentiles(results)
    # b. at a reader's pace: each reads for a while (2 s on average, exponential) between requests,
    # on a freshly started app (each reader's first day page is rendered, not cached)
    paced: list[tuple[str, float, int]] = []
    stop = time.monotonic() + 40

    def reader(login: str) -> None:
        mine = random.Random(login)
        while time.monotonic() < stop:
            time.sleep(mine.expovariate(1 / 2.0))
            kind = mine.choice(["day", "search"])
            path = "/day/2026-02-02" if kind == "day" else "/search?" + str(httpx.QueryParams({"q": mine.choice(words)}))
            paced.append(get(port, (login, kind, path)))
    with web_process() as port, ThreadPoolExecutor(n) as pool:
        list(pool.map(reader, logins))
    bad = sum(status != 200 for _, _, status in paced)
    print(f"   b. at a reader's pace (a request every 2 s on average each, 40 s, the app just started), "
          f"{len(paced)} requests, {bad} not 200")
    percentiles(paced, "  (target p95 <= 100 ms)")


if __name__ == "__main__":
    main()
