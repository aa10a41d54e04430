"""Trends on eight weeks of stored days: time of a cold `trends --week`, theme stability,
a planted rising theme found, and a control week that finds none.

    .venv/bin/python bench/trends.py [../shared/data/relevance/dev.jsonl]

Two stores are built in a temporary home:

* **real**: the labelled dev set's papers (real titles and abstracts, real dates) on the
  days they were announced, eight weeks ending 2026-05-31. The papers labelled VLA or
  TRAFFIC_ST are kept for that topic, the others for a third, broad topic (as a user who
  also follows cs.LG would keep them). For the planted run, 30 VLA papers announced before
  the window are moved into its last week.
* **volume**: the test suite's generator (``tests/trends_data.py``) at a heavy user's volume:
  40 kept and 400 listed papers a day.

"Cold" is a new process on a store it has not read before, with the packages' bytecode
compiled as pip installs them (this bench lets Python write it, then runs a warm-up). Each
figure is printed; ratios compare runs of this one process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 5, 31)
WEEKS = 8


def _kept(topic: str, label: str, prob: float):  # type: ignore[no-untyped-def]
    from arxiv_monitor.core.models import KeywordVerdict, TopicDecision

    return TopicDecision(topic, label, round(prob * 0.8, 4), 0.5, "semantic", "semantic", KeywordVerdict(),
                         probability=prob, calibration="shipped")


def real_store(home: Path, dev: Path, planted: int, weeks: int = WEEKS) -> None:
    from arxiv_monitor.core.models import Listing, Paper
    from arxiv_monitor.store import open_store

    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    first = END - dt.timedelta(days=7 * weeks - 1)
    by_day: dict[str, list[Listing]] = {}
    early_vla = [r for r in rows if r.get("date") and r["date"][:10] < first.isoformat() and r["labels"].get("VLA")]
    last_week = [END - dt.timedelta(days=n) for n in range(6, 1, -1)]  # Monday to Friday
    moved = {r["id"]: last_week[i % 5].isoformat() for i, r in enumerate(early_vla[:planted])}
    for r in rows:
        day = moved.get(r["id"]) or (r.get("date") or "")[:10]
        if not day or not first.isoformat() <= day <= END.isoformat():
            continue
        topic = "VLA" if r["labels"].get("VLA") else "TRAFFIC_ST" if r["labels"].get("TRAFFIC_ST") else "OTHER"
        paper = Paper(id=r["id"], version=1, title=r["title"], abstract=r["abstract"],
                      categories=r.get("categories", []), published=dt.date.fromisoformat(day))
        by_day.setdefault(day, []).append(Listing(paper, "new", [_kept(topic, topic, 0.8)]))
    with open_store(home / "arxiv-monitor.db") as store:
        for day, listings in sorted(by_day.items()):
            store.papers.save([item.paper for item in listings])
            store.days.save(day, ["cs.AI", "cs.LG", "cs.RO", "cs.CV"], [], len(listings), listings)
    (home / "config.toml").write_text("""[relevance]\nranker = "semantic"\n
[[topics]]\nid = "VLA"\nname = "VLA"\nany = ["vla"]\n
[[topics]]\nid = "TRAFFIC_ST"\nname = "TRAFFIC_ST"\nany = ["traffic"]\n
[[topics]]\nid = "OTHER"\nname = "Other machine learning"\nany = ["learning"]\n""", encoding="utf-8")


def volume_store(home: Path) -> None:
    from arxiv_monitor.store import open_store
    from tests import trends_data

    with open_store(home / "arxiv-monitor.db") as store:
        trends_data.fill(store, last_day=END - dt.timedelta(days=2), per_day=(38, 42), dropped=360, seed=11)
    (home / "config.toml").write_text('[relevance]\nranker = "semantic"\n', encoding="utf-8")


def embed_as_runs_do(home: Path) -> None:
    """Store every listed paper's embedding, as the daily runs with the semantic ranker do."""
    from arxiv_monitor.core.config import load_config
    from arxiv_monitor.relevance.rank import semantic_ranker
    from arxiv_monitor.store import open_store

    os.environ["ARXIV_MONITOR_HOME"] = str(home)
    config = load_config()
    with open_store(config) as store:
        ranker = semantic_ranker(config, store.embeddings)
        for day in store.days.all():
            ranker.embed_papers([item.paper for item in store.days.listings(day, kept_only=False)])


def cli_trends(home: Path, period: str) -> tuple[float, dict]:
    """A cold `trends` in a new process (imports, the model, the store): wall seconds and the JSON."""
    env = {**os.environ, "ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_LLM_BACKEND": "extractive"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed by pip: modules compiled once, not in every run
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "arxiv_monitor", "trends", period, "--no-deliver"], env=env,
                          capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr)
    return took, json.loads((home / "reports" / "trends" / f"{period}.json").read_text(encoding="utf-8"))


def themes_of(data: dict) -> list[tuple[str, str, int, tuple[str, ...]]]:
    return [(t["name"], t["trend"], t["size"], tuple(p["id"] for p in t["papers"])) for t in data["themes"]]


def main() -> None:
    dev = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "relevance" / "dev.jsonl"
    last_week = f"{END.isocalendar()[0]}-W{END.isocalendar()[1]:02d}"
    control_week = f"{(END - dt.timedelta(days=7)).isocalendar()[0]}-W{(END - dt.timedelta(days=7)).isocalendar()[1]:02d}"
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm-up"
        warm.mkdir()
        cli_trends(warm, last_week)  # compiles the imported modules once, as pip would have
        if dev.exists():
            for planted in (0, 30):
                home = Path(tmp) / f"real-{planted}"
                home.mkdir()
                real_store(home, dev, planted)
                took, data = cli_trends(home, last_week)
                again = cli_trends(home, last_week)[1]
                rising = [t["name"] for t in data["themes"] if t["trend"] == "rising"]
                print(f"real store, planted {planted}: {data['papers']} kept in {last_week}; cold trends "
                      f"{took:.1f} s; {len(data['themes'])} themes, rising {rising or 'none'}; "
                      f"same themes twice: {themes_of(data) == themes_of(again)}")
                _, control = cli_trends(home, control_week)
                print(f"  control week {control_week}: rising "
                      f"{[t['name'] for t in control['themes'] if t['trend'] == 'rising'] or 'none'}")
        else:
            print(f"(no {dev}: the real-papers store is skipped)")
        home = Path(tmp) / "volume"
        home.mkdir()
        volume_store(home)
        unembedded, data = cli_trends(home, last_week)
        home2 = Path(tmp) / "volume-embedded"
        home2.mkdir()
        volume_store(home2)
        embed_as_runs_do(home2)
        took, data = cli_trends(home2, last_week)
        print(f"volume store ({data['papers']} kept in the week, {WEEKS} weeks of 40 kept and 400 listed a day): "
              f"cold trends --week {took:.1f} s with the embeddings the daily runs stored (target ≤ 10 s); "
              f"{unembedded:.1f} s when every kept paper must be embedded first")


if __name__ == "__main__":
    main()
