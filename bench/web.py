"""The reading room on about three years of a busy user: 100,000 papers with analyses.

    .venv/bin/python bench/web.py [--papers 100000] [--store PATH] [--site-dir DIR] [--no-site]

Fills a real SQLite store through the store's own methods (so the search index is
kept by its triggers, as in use): about 750 announcement days of ~133 kept papers,
each with a seven-section Chinese analysis and its keyword decisions, a few
hundred ratings. ``--store PATH`` keeps the store between runs (it is filled once).
Then prints:

1. FTS search latency, p50 and p95 over 200 queries: English words and phrases,
   Chinese terms of three or more characters (trigram index), two-character
   Chinese terms (no trigram: the LIKE path), mixed, with and without filters;
2. day-page and paper-page render times (the web app's own page functions);
3. the static site: a full build of the store, then one new day added to it.

Targets (issue 12): search p95 <= 50 ms, a day page <= 100 ms, the incremental
build of one new day <= 5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor.core.config import load_config  # noqa: E402
from arxiv_monitor.core.models import Analysis, KeywordHit, KeywordVerdict, Listing, Paper, TopicDecision  # noqa: E402
from arxiv_monitor.store import Shown, Store  # noqa: E402
from arxiv_monitor.web import (
    pages,  # noqa: E402
    site,  # noqa: E402
)

EN = ("model learning robot traffic graph vision language action forecasting temporal network policy "
      "transformer diffusion dataset benchmark spatial prediction manipulation sensor urban flow "
      "reinforcement agent planning control embodied video generation evaluation grasping navigation "
      "segmentation detection tracking trajectory occupancy lidar radar calibration distillation "
      "retrieval reasoning alignment preference tokenizer quantization pruning sparsity attention").split()
ZH = ("机器人 视觉 语言 动作 模型 交通 预测 时空 图神经网络 强化学习 扩散 数据集 基准 操作 抓取 导航 "
      "分割 检测 跟踪 轨迹 规划 控制 具身 视频 生成 评估 蒸馏 检索 推理 对齐 偏好 量化 剪枝 注意力 "
      "鲁棒性 泛化 效率 延迟 精度 召回 城市 流量 传感器 雷达 标定 仿真 真实 场景 策略 奖励 样本").split()
CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
         "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
         "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
         "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及")


def vocabulary(rng: random.Random, head: list[str], size: int, make) -> tuple[list[str], list[float]]:
    """``head`` then made-up words, with Zipf weights (rank r has weight 1/r, as text has), cumulative."""
    words = list(dict.fromkeys(head))
    while len(words) < size:
        word = make(rng)
        if word not in words:
            words.append(word)
    return words, list(itertools.accumulate(1 / (r + 1) for r in range(len(words))))  # cumulative


_V = random.Random(5)
EN_WORDS, EN_W = vocabulary(_V, EN, 4000, lambda r: "".join(
    r.choice(["ka", "lo", "mi", "ne", "ro", "ta", "vi", "der", "sen", "tor", "al", "es", "ix", "um"])
    for _ in range(r.randint(2, 4))))
ZH_WORDS, ZH_W = vocabulary(_V, ZH, 4000, lambda r: "".join(r.choice(CHARS) for _ in range(r.choice((2, 2, 3, 4)))))
TOPICS = [("VLA", "具身智能 / VLA"), ("TRAFFIC_ST", "交通时空预测")]
SECTIONS = ["summary", "motivation", "contributions", "method", "experiments", "results", "limitations"]
PER_DAY = 133


def days_back(n: int, last: dt.date) -> list[dt.date]:
    """``n`` weekdays (announcement days) ending at ``last``, oldest first."""
    out, d = [], last
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d -= dt.timedelta(days=1)
    return out[::-1]


def zh_text(rng: random.Random, words: int) -> str:
    return "，".join("".join(rng.choices(ZH_WORDS, cum_weights=ZH_W, k=rng.randint(2, 5))) for _ in range(words // 3)) + "。"


def en_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(EN_WORDS, cum_weights=EN_W, k=words))


def make_day(rng: random.Random, day: dt.date, start: int, n: int) -> tuple[list[Listing], list[Analysis]]:
    """A day's kept papers: ``n`` of the ~1,200 ids arXiv gives out from ``start`` in a day."""
    month = f"{day.year % 100:02d}{day.month:02d}"
    listings, analyses = [], []
    for i, number in enumerate(sorted(rng.sample(range(start, start + 1200), n))):
        aid = f"{month}.{number:05d}"
        title = en_text(rng, rng.randint(6, 12)).title()
        abstract = en_text(rng, 170) + "."
        authors = [f"{rng.choice('ABCDEFGHJKLMN')}. {rng.choice(['Wang', 'Li', 'Smith', 'Garcia', 'Kim', 'Chen', 'Müller'])}"
                   f"{rng.randint(1, 999)}" for _ in range(rng.randint(2, 8))]
        cats = rng.sample(["cs.AI", "cs.LG", "cs.RO", "cs.CV"], rng.randint(1, 3))
        paper = Paper(aid, 1, title, abstract, authors, cats, day, cats[0], enriched=True,
                      code_url=f"https://github.com/lab/{aid}" if rng.random() < 0.3 else None)
        topic, label = rng.choice(TOPICS)
        word = rng.choice(EN)
        hit = KeywordHit(word, "title", f"… {word} …", word)
        decision = TopicDecision(topic, label, rng.random(), 0.5, "minilm", "keywords", KeywordVerdict([hit]),
                                 probability=0.5 + rng.random() / 2)
        listings.append(Listing(paper, "new" if rng.random() < 0.8 else "cross", [decision]))
        analyses.append(Analysis("openai", "gpt-4o-mini", "v3", "zh", "ok",
                                 {k: zh_text(rng, 60 if k != "summary" else 30) for k in SECTIONS},
                                 tokens_in=9000, tokens_out=900, source="html", version=1))
    return listings, analyses


def store_day(store: Store, day: str, listings: list[Listing], analyses: list[Analysis]) -> None:
    store.papers.save([item.paper for item in listings])
    for item in listings:
        if item.paper.code_url:
            store.papers.set_code_url(item.paper, item.paper.code_url)
    store.days.save(day, ["cs.AI", "cs.LG", "cs.RO", "cs.CV"], [], 800, listings)
    shown = {}
    for item, a in zip(listings, analyses):
        shown[item.paper.id] = Shown(store.analyses.save(item.paper, a), None, None)
    store.days.publish(day, {"backend": "openai", "model": "gpt-4o-mini", "language": "zh",
                             "cost_note": "", "notices": []}, shown)


def fill(store: Store, papers: int, last: dt.date, seed: int = 11) -> list[str]:
    """Three years of days through the store's methods. The search index is built once at the end
    (``store.search.bulk``), rather than twice per paper by its triggers."""
    with store.search.bulk():
        return _fill(store, papers, last, seed)


def _fill(store: Store, papers: int, last: dt.date, seed: int) -> list[str]:
    rng = random.Random(seed)
    dates = days_back(-(-papers // PER_DAY), last)
    per_month: dict[str, int] = {}
    started = time.perf_counter()
    for n, day in enumerate(dates):
        month = day.strftime("%y%m")
        listings, analyses = make_day(rng, day, per_month.get(month, 0) + 1, PER_DAY)
        per_month[month] = per_month.get(month, 0) + 1200
        store_day(store, day.isoformat(), listings, analyses)
        for item in rng.sample(listings, 2):
            store.ratings.set(item.paper.id, item.decisions[0].topic, rng.random() < 0.8)
        if n % 100 == 0:
            print(f"  filled {n * PER_DAY:,} papers ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return [d.isoformat() for d in dates]


KINDS = ["en word", "en words", "en phrase", "zh >=3", "zh 2 chars", "zh+en", "common en", "author"]


def queries(rng: random.Random, abstracts: list[str]) -> list[tuple[str, str, dict]]:
    """200 queries of eight kinds: content words (Zipf ranks 200-2,000 of 4,000: in 0.5-5% of papers, as a topic word is), a phrase
    from a stored abstract, and the worst case, one of the ten commonest words (in most papers)."""
    def en() -> str:
        return EN_WORDS[rng.randint(200, 2000)]

    def zh(two: bool | None = None) -> str:
        while True:
            word = ZH_WORDS[rng.randint(200, 2000)]
            if two is None or (len(word) == 2) == two:
                return word
    out = []
    for i in range(200):
        kind = KINDS[i % 8]
        if kind == "en phrase":
            words = rng.choice(abstracts).rstrip(".").split()
            at = rng.randrange(len(words) - 1)
            q = f'"{words[at]} {words[at + 1]}"'
        else:
            q = {"en word": en, "en words": lambda: f"{en()} {en()}", "zh >=3": lambda: zh(False),
                 "zh 2 chars": lambda: zh(True), "zh+en": lambda: f"{zh()} {en()}",
                 "common en": lambda: EN_WORDS[rng.randint(0, 9)],
                 "author": lambda: f"{rng.choice(['Wang', 'Chen', 'Kim'])}{rng.randint(1, 999)}"}[kind]()
        params = {}
        if i % 3 == 0:
            params = {"topic": rng.choice(TOPICS)[0], "code": "1"}
        elif i % 3 == 1:
            params = {"from": "2025-01-01", "to": "2025-06-30", "sort": "date"}
        out.append((kind, q, params))
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


WRITER = """
import sys
from arxiv_monitor.store import Store
store = Store(sys.argv[1])
papers = [item.paper for d in store.days.all()[:15] for item in store.days.listings(d, False)][:2000]
while True:
    store.papers.save(papers)
"""


def start_app(app):
    """The app served by uvicorn on a free loopback port, in a thread: (server, thread, port)."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def served(config, db: Path, days: list[str], ids: list[str], qs: list[tuple[str, str, dict]]) -> None:
    """The app itself over loopback (uvicorn, as ``web`` and ``serve`` run it): 20 readers send
    300 requests (day pages of the last ten days, as readers read in a morning, paper pages with
    their explain view, searches) while another process writes 2,000 papers again and again,
    as a morning run does."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from arxiv_monitor.commands import explain
    from arxiv_monitor.relevance import feedback
    from arxiv_monitor.web.app import create_app

    with contextlib.closing(Store(db)) as store:  # the days' decisions as a run stores them
        store.db.execute("UPDATE days SET decided_with=?", (feedback.decision_key(config, store),))
        store.db.commit()
    server, thread, port = start_app(create_app(config, explain=explain))
    rng = random.Random(5)
    wanted = [("day", f"/day/{rng.choice(days[:10])}") for _ in range(100)] + [("paper", f"/paper/{i}") for i in ids * 2] + \
        [("search", "/search?" + httpx.QueryParams({"q": q, **params}).__str__()) for _, q, params in qs[:100]]
    rng.shuffle(wanted)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)])  # a run is another process
    times: dict[str, list[float]] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        client.get("/")  # the first request warms the app, as a running one is

        def get(kind_path: tuple[str, str]) -> tuple[str, float, int]:
            t = time.perf_counter()
            status = client.get(kind_path[1]).status_code
            return kind_path[0], (time.perf_counter() - t) * 1000, status
        started = time.perf_counter()
        with ThreadPoolExecutor(20) as readers:
            results = list(readers.map(get, wanted))
        wall = time.perf_counter() - started
        # 2c: one reader at a time, as issue 26 counts it: paper pages with their explain view,
        # then searches while another reader opens paper pages, the run still writing
        alone = [get(("paper", f"/paper/{i}"))[1] for i in ids]
        stop = threading.Event()

        def other_reader() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as other:
                for i in itertools.cycle(ids):
                    if stop.is_set():
                        return
                    other.get(f"/paper/{i}")
        beside = threading.Thread(target=other_reader)
        beside.start()
        searched = [get(kind_path)[1] for kind_path in wanted if kind_path[0] == "search"]
        stop.set()
        beside.join(30)
    writer.terminate()
    writer.wait(30)
    server.should_exit = True
    thread.join(10)
    for kind, ms, _ in results:
        times.setdefault(kind, []).append(ms)
    bad = sum(status >= 500 for _, _, status in results)
    print(f"\n2b. the app over loopback, 20 readers, {len(results)} requests, a run writing 2,000 papers meanwhile: "
          f"{wall:.1f} s, {bad} errors")
    for kind, values in times.items():
        print(f"   {kind:7} p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms")
    print("2c. one reader, the run writing: paper page with explain "
          f"p50 {pct(alone, 50):.1f} ms, p95 {pct(alone, 95):.1f} ms; search while another reader opens paper pages "
          f"p50 {pct(searched, 50):.1f} ms, p95 {pct(searched, 95):.1f} ms  (targets p95 <= 50 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--store", type=Path, help="keep the filled store here (filled once)")
    ap.add_argument("--site-dir", type=Path, help="build the static site here (default: a temporary folder)")
    ap.add_argument("--no-site", action="store_true", help="skip the static-site builds")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="am-web-bench-"))
    os.environ["ARXIV_MONITOR_HOME"] = str(home)
    db = args.store or home / "arxiv-monitor.sqlite3"
    (home / "config.toml").write_text(f'language = "zh"\n[paths]\ndatabase = "{db}"\n', "utf-8")
    config = load_config(home / "config.toml")
    last = dt.date(2026, 11, 26)
    store = Store(db)
    days = store.days.all()
    if not days:
        started = time.perf_counter()
        days = fill(store, args.papers, last)
        print(f"filled the store: {args.papers:,} papers and analyses in {time.perf_counter() - started:.0f} s, "
              f"{db.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
    stored, analysed = store.count("papers"), store.count("analyses")
    print(f"store: {stored:,} papers, {analysed:,} analyses, {len(store.days.all())} days")

    rng = random.Random(3)
    sample = [item.paper for d in days[::max(1, len(days) // 100)] for item in store.days.listings(d)[:1]]
    abstracts = [p.abstract for p in sample][:100]
    qs = queries(rng, abstracts)

    def search(q: str, params: dict):
        return store.search.query(q, params.get("from"), params.get("to"), params.get("topic"), None, None,
                                  params.get("code") == "1", params.get("sort", "relevance"))
    for _, q, params in qs[:20]:  # warm the page cache, as a running app has it
        search(q, params)
    lat, by_kind, found = [], {}, 0
    for kind, q, params in qs:
        t = time.perf_counter()
        hits = search(q, params)
        ms = (time.perf_counter() - t) * 1000
        lat.append(ms)
        by_kind.setdefault(kind, []).append(ms)
        found += bool(hits)
    print(f"\n1. search over {stored:,} papers, {len(qs)} queries ({found} with hits): "
          f"p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, max {max(lat):.1f} ms  (target p95 <= 50 ms)")
    for kind, values in by_kind.items():
        print(f"   {kind:11} p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms")

    page = pages.Page(config, pages.Links())
    sample_days = rng.sample(days, 40)
    day_ms = [m for d in sample_days for m in timed(lambda d=d: pages.day_page(store, page, d), 1)]
    home_ms = timed(lambda: pages.day_page(store, page), 5)
    ids = [item.paper.id for d in rng.sample(days, 50) for item in store.days.listings(d)[3:4]]
    paper_ms = [m for i in ids for m in timed(lambda i=i: pages.paper_page(store, page, i), 1)]
    print(f"\n2. pages ({PER_DAY} papers a day): day page p50 {pct(day_ms, 50):.0f} ms, p95 {pct(day_ms, 95):.0f} ms "
          f"(target <= 100 ms); home {statistics.median(home_ms):.0f} ms; "
          f"paper page p50 {pct(paper_ms, 50):.1f} ms, p95 {pct(paper_ms, 95):.1f} ms")
    store.close()
    served(config, db, days, ids, qs)
    if args.no_site:
        return

    out = args.site_dir or home / "site"
    if out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    built = site.build(config, out)
    full = time.perf_counter() - t
    files = sum(1 for _ in out.rglob("*") if _.is_file())
    print(f"\n3. static site: full build {full:.0f} s ({built.written:,} pages written, "
          f"{len(built.indexed)} Pagefind shards, {files:,} files)")
    t = time.perf_counter()
    again = site.build(config, out)
    unchanged = time.perf_counter() - t
    new_day = last + dt.timedelta(days=1 if last.weekday() < 4 else 3)
    store = Store(db)
    month = new_day.strftime("%y%m") + "."
    month_ids = max((int(item.paper.id[5:]) for d in store.days.all()[:40] for item in store.days.listings(d, False)
                     if item.paper.id.startswith(month)), default=0)
    listings, analyses = make_day(random.Random(99), new_day, month_ids + 1, PER_DAY)
    store_day(store, new_day.isoformat(), listings, analyses)
    store.close()
    t = time.perf_counter()
    one = site.build(config, out)
    incremental = time.perf_counter() - t
    print(f"   nothing changed: {unchanged:.1f} s ({again.written} written)")
    print(f"   one new day of {PER_DAY} papers: {incremental:.1f} s ({one.written} written, "
          f"indexes rebuilt: {', '.join(one.indexed)})  (target <= 5 s)")
    print(f"   full / incremental: {full / incremental:.0f}x")


if __name__ == "__main__":
    main()
