"""``arxiv-monitor site --out DIR``: the reading room as a static site (GitHub Pages).

The same pages as the web app (``web/pages.py``) as plain files with relative
links: ``index.html`` (the latest day and the calendar), ``day/<day>.html``,
``paper/<id>.html`` (every kept or rated paper), ``search.html``,
``reading-list.html`` and ``.bib``, ``feeds/all.xml`` and one feed per topic.
There is no server, so the rating buttons are left out, and search runs in the
browser with Pagefind: one index per shard of arXiv ids (``pagefind/<yymm>-<d>/``,
the ids of a month by their first digit, about ten days of submissions each),
merged by the search page, so a new day re-indexes only the shards it touched.

It is incremental: each page has a key made from what it shows (its papers'
analyses, ratings, full texts, its neighbours); a page whose key has not
changed since the last build is not rendered again. ``--full`` rebuilds all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.files import write_atomic
from arxiv_monitor.core.ids import page_name
from arxiv_monitor.store import Store, open_store
from arxiv_monitor.web import feeds, pages

MANIFEST = ".arxiv-monitor-site.json"
MARGIN = dt.timedelta(minutes=2)  # rows written this long before a build started are looked at again
ASSETS = {"report.css": "arxiv_monitor.report", "web.css": "arxiv_monitor.web", "search.js": "arxiv_monitor.web",
          "trends.css": "arxiv_monitor.trends", "ratings.js": "arxiv_monitor.web"}


@dataclass
class Built:
    written: int = 0
    skipped: int = 0
    indexed: list[str] = field(default_factory=list)  # the Pagefind shards rebuilt


def shard_of(paper_id: str) -> str:
    """The Pagefind index of an id: 2602.01234 -> 2602-0, 2602.21234 -> 2602-2; a bioRxiv DOI of
    January 2026 -> biorxiv-2601; old-style arXiv ids and the rest: "other"."""
    if paper_id[:4].isdigit() and paper_id[4:5] == "." and paper_id[5:6].isdigit():
        return f"{paper_id[:4]}-{paper_id[5]}"
    dated = re.match(r"([a-z]+):10\.\d+/\d\d(\d\d)\.(\d\d)\.", paper_id)
    return f"{dated.group(1)}-{dated.group(2)}{dated.group(3)}" if dated else "other"


def _glob(shard: str) -> str:
    """The paper pages of one shard, as a Pagefind glob (see ``shard_of``)."""
    if shard == "other":
        return "paper/*_[0-9][0-9][0-9][0-9][0-9][0-9][0-9].html"
    if shard[:4].isdigit():
        return f"paper/{shard[:4]}.{shard[5]}*.html"
    source, month = shard.rsplit("-", 1)
    return f"paper/{source}--10.*_20{month[:2]}.{month[2:]}.*.html"


def _digest(key: str) -> str:
    """A page's key, short: it is compared only with the same page's key at the last build."""
    data = key.encode()
    return f"{zlib.crc32(data):08x}{len(data):x}"


def _files(out: Path) -> set[str]:
    """The site's files, as paths relative to ``out`` (one directory listing each, no stat per file)."""
    found = set()
    for folder in ("", "day", "paper", "feeds", "static", "trends"):
        try:
            with os.scandir(out / folder) as entries:
                found.update(f"{folder}/{e.name}" if folder else e.name for e in entries)
        except OSError:
            pass
    return found


def _templates() -> str:
    """A digest of the package's templates and assets: an upgrade that changes a page rewrites it."""
    digest = hashlib.sha256()
    places = [(p, f) for p in ("arxiv_monitor.report", "arxiv_monitor.web", "arxiv_monitor.trends")
              for f in ("templates", "static")]
    for package, folder in places:
        if not resources.files(package).joinpath(folder).is_dir():
            continue
        files = resources.files(package).joinpath(folder).iterdir()
        for item in sorted((f for f in files if f.is_file()), key=lambda f: f.name):
            digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:16]


def build(config: Config, out: Path, full: bool = False) -> Built:
    """Write (or bring up to date) the static site in ``out``.

    The manifest (``MANIFEST``) records each file's key and when the build started; the next build
    looks only at the papers with a row written since then (less a margin for runs that were
    writing meanwhile). Another version of the templates or settings, or ``--full``, rebuilds all.
    """
    site = _Site(config, out, full)
    with open_store(config) as store:
        if not store.days.all():
            raise MonitorError("No day is stored yet: run `arxiv-monitor run` first, then build the site.")
        site.write_pages(store)
    site.write_assets()
    site.index_shards()
    site.finish()
    return site.built


class _Site:
    """One build: the last manifest, the new one, and the files written."""

    def __init__(self, config: Config, out: Path, full: bool):
        self.config, self.out = config, out
        out.mkdir(parents=True, exist_ok=True)
        try:
            manifest = {} if full else json.loads((out / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            manifest = {}
        started = dt.datetime.now(dt.timezone.utc)
        version = _digest(f"{_templates()}|{config.language}|{config.site_url}|"
                          f"{sorted(t.id for t in config.topic_list)}")
        self.manifest = manifest if manifest.get("@version") == version else {}
        self.fresh = {"@version": version, "@built": (started - MARGIN).isoformat(timespec="seconds")}
        self.built, self.present, self.dirty = Built(), _files(out), set()

    def put(self, rel: str, key: str, render: Callable[[], str], extra: str = "") -> None:
        """Write ``rel`` unless its key is the one it was written with."""
        self.fresh[rel] = digest = _digest(key) + extra
        if self.manifest.get(rel) == digest and rel in self.present:
            self.built.skipped += 1
            return
        write_atomic(self.out / rel, render(), durable=False)  # the manifest, written last, is what a rerun trusts
        self.built.written += 1

    def write_pages(self, store: Store) -> None:
        config, put = self.config, self.put
        paper_keys, day_keys = store.site.paper_keys(self.manifest.get("@built")), store.site.day_keys()
        for rel, digest in self.manifest.items():  # the papers nothing was written for since: as they were
            if rel.startswith("paper/") and rel not in self.fresh:
                self.fresh[rel] = digest
        for paper_id, (key, indexed) in paper_keys.items():
            rel = f"paper/{page_name(paper_id)}.html"
            if self.manifest.get(rel, "").partition("/")[2] != _digest(indexed):
                self.dirty.add(shard_of(paper_id))
            put(rel, key, lambda i=paper_id: _paper(config, store, i), "/" + _digest(indexed))
        for day, key in day_keys.items():
            put(f"day/{day}.html", key, lambda d=day: pages.day_page(
                store, pages.Page(config, pages.Links(static=True, depth=1)), d))
        home = pages.Page(config, pages.Links(static=True), extra={"home": True})
        put("index.html", json.dumps(day_keys, sort_keys=True), lambda: pages.day_page(store, home))
        lists = json.dumps([day_keys, sorted(paper_keys.items())], sort_keys=True)  # ratings, days, changes
        static = pages.Page(config, pages.Links(static=True))
        put("search.html", "", lambda: pages.search_page(store, static, {}))
        put("reading-list.html", lists, lambda: pages.reading_list_page(store, static))
        put("reading-list.bib", lists, lambda: feeds.bibtex(pages.good_papers(store)))
        stored = store.trends.keys()
        periods = json.dumps(stored)
        for _kind, key in stored:
            put(f"trends/{key}.html", (store.trends.get(key) or "") + periods, lambda k=key: pages.trends_page(
                store, pages.Page(config, pages.Links(static=True, depth=1)), k))
        put("trends/index.html", periods + (store.trends.get(stored[0][1]) or "" if stored else ""),
            lambda: pages.trends_page(store, pages.Page(config, pages.Links(static=True, depth=1))))
        base = config.site.base_url.rstrip("/")
        link = (lambda i: f"{base}/paper/{page_name(i)}.html") if base else None
        for name in ["all", *[t.id for t in config.topic_list]]:
            put(f"feeds/{name}.xml", lists, lambda n=name: feeds.atom(config, store, None if n == "all" else n, link))

    def write_assets(self) -> None:
        for asset, package in ASSETS.items():
            text = resources.files(package).joinpath("static", asset).read_text("utf-8")
            self.put(f"static/{asset}", text, lambda t=text: t)

    def index_shards(self) -> None:
        """Index again each shard whose pages' searchable text changed (a new paper, version or
        analysis; not a rating or a day, which change only a page's other parts)."""
        out = self.out
        shards = sorted({shard_of(rel[6:]) for rel in self.fresh if rel.startswith("paper/")})  # paper/<id>.html
        for shard in shards:
            if shard in self.dirty or not (out / "pagefind" / shard / "pagefind.js").exists():
                _index(out, shard)
                self.built.indexed.append(shard)
        folders = (out / "pagefind").iterdir() if (out / "pagefind").is_dir() else []
        for stale in folders:  # shards with no pages left, or an older layout's
            if stale.is_dir() and stale.name not in shards:
                shutil.rmtree(stale)
        self.put("static/shards.json", json.dumps(shards), lambda: json.dumps(sorted(shards, reverse=True)))
        if self.built.indexed:  # the search UI, the same in every shard's bundle
            for name in ("pagefind-ui.js", "pagefind-ui.css"):
                shutil.copyfile(out / "pagefind" / self.built.indexed[-1] / name, out / "pagefind" / name)

    def finish(self) -> None:
        if self.built.written:
            os.sync()  # the pages reach the disk before the manifest that vouches for them
        write_atomic(self.out / MANIFEST, json.dumps(self.fresh, indent=0).encode())


def _paper(config: Config, store: Store, paper_id: str) -> str:
    """A paper's page with the decisions of the latest day that listed it (no ranking)."""
    return pages.paper_page(store, pages.Page(config, pages.Links(static=True, depth=1)), paper_id)


def _index(out: Path, shard: str) -> None:
    """The Pagefind index of one shard's paper pages."""
    target = out / "pagefind" / shard
    if target.exists():
        shutil.rmtree(target)
    done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--glob", _glob(shard),
                           "--output-subdir", f"pagefind/{shard}", "--silent"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise MonitorError(f"Pagefind could not index {out / 'paper'} ({shard}): "
                           f"{(done.stderr or done.stdout).strip()[-300:]}")
