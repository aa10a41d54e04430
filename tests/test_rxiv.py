"""bioRxiv and medRxiv: the API's pages, JATS full texts, a day with arXiv and bioRxiv topics
together, and the Telegram and Discord channels that labs use."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.errors import FeedError
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.fulltext import jats
from arxiv_monitor.report.digest import day_digest
from arxiv_monitor.sources.rxiv import api
from arxiv_monitor.sources.rxiv.source import BiorxivSource
from tests.fakes import GoldenServer, Reply
from tests.helpers import VLA, invoke, read, serve_day, write_feed

DATA = Path(__file__).parent / "data" / "biorxiv"
JATS = DATA / "jats"
DAY = dt.date(2026, 2, 2)  # lists what was posted on 1 February


# -- JATS -------------------------------------------------------------------------------------------

TRUTH = {
    "tables": {"titles": ["Introduction", "Results", "Discussion", "Methods", "Data availability"],
               "captions": ["Table 1. Contact precision on 1,431 held-out families. Top-L long-range precision",
                            "Table 2. Precision by family depth bin.", "Figure 1. Precision against family depth."],
               "references": ["Protein 3D structure computed from evolutionary sequence variation",
                              "Biological structure and function emerge", "PLoS ONE"],
               "code": "https://github.com/fold-lab/plm-contacts"},
    "supplement": {"titles": ["Introduction", "Results", "Methods", "Data and code availability",
                              "Supplementary Material"],
                   "captions": ["Supplementary Table S1. Expression, stability and crystallography of all 96 designs.",
                                "Supplementary Movie 1. A trajectory of the reverse diffusion process for design 17."],
                   "references": ["Denoising diffusion probabilistic models"],
                   "code": "https://github.com/design-lab/backbone-diffusion"},
    "malformed": {"titles": ["Introduction", "Section 2", "3 Results", "Limitations"],
                  "captions": [], "references": ["Deep mutational scanning: a new style", "Not a reference list"],
                  "code": None},
}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_jats_full_text_has_every_section_caption_and_no_reference(name):
    truth = TRUTH[name]
    got = jats.extract((JATS / f"{name}.xml").read_bytes())
    titles = [s.title for s in got.sections if s.title not in ("Front matter", "Abstract")]
    assert [t for t in truth["titles"] if t in titles] == truth["titles"]  # section title recall 1.0
    text = "\n".join(f"{s.title}\n{s.text}" for s in got.sections)
    assert all(c in text for c in truth["captions"])  # every table, figure and supplement caption
    assert not [r for r in truth["references"] if r in text]  # no reference text
    assert got.sections[1].title == "Abstract" and "graphical abstract" not in text.lower()
    if truth["code"]:
        assert truth["code"] in got.links


def test_jats_tables_keep_each_cell_once_and_math_as_tex():
    text = "\n".join(s.text for s in jats.extract((JATS / "tables.xml").read_bytes()).sections)
    assert "Method | Top-L | Top-L/5\nCoupling analysis (MSA) | 0.59 | 0.82\npLM attention (ours) | 0.61 | 0.84" in text
    assert "<100 | 0.31 | 0.43" in text and "≥1,000 | 0.72 | 0.70" in text
    assert r"$\mathcal{L} = -\sum_{ij} y_{ij} \log p_{ij}$" in text
    assert "Families with fewer than 64 sequences are excluded." in text  # the table's foot


def test_a_broken_jats_file_is_refused_so_the_pdf_is_read():
    with pytest.raises(ValueError, match="not well-formed"):
        jats.extract((JATS / "broken.xml").read_bytes())
    with pytest.raises(ValueError, match="not a JATS article"):
        jats.extract(b"<html><body><p>A page</p></body></html>")


_WORDS = st.text(alphabet=st.sampled_from(list("ab <>&/=\"'xsecpitlefrn-")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<sec>", "</sec>", "<title>", "</title>", "<p>", "</p>", "<table-wrap>",
                                 "</table-wrap>", "<ref-list>", "</ref-list>", "<fig><label>F</label>", "</fig>",
                                 "text ", "&amp;", "<ext-link xlink:href='https://github.com/a/b'>", "</ext-link>"]),
                max_size=40), _WORDS)
def test_any_jats_is_read_or_refused_with_a_reason(parts, noise):
    doc = ("<article xmlns:xlink='http://www.w3.org/1999/xlink'><front><article-meta><article-title>T</article-title>"
           "</article-meta></front><body>" + "".join(parts) + noise + "</body></article>").encode()
    try:
        got = jats.extract(doc)
    except ValueError:
        return
    assert all(s.title and s.text for s in got.sections)


# -- the API ----------------------------------------------------------------------------------------

def test_a_page_of_the_api_is_read_and_bad_records_counted():
    page = api.parse_page((DATA / "details-biorxiv-2026-02-01-0.json").read_bytes(), "page 0")
    assert len(page.records) == 99 and page.total == 105 and page.malformed == ["10.1101/2026.01.31.999999"]
    paper = api.paper_of(page.records[0], "biorxiv")
    assert paper.id == "biorxiv:10.1101/2026.01.29.600100" and paper.version == 1 and paper.doi == "10.1101/2026.01.29.600100"
    assert paper.authors == ["Nakamura, K."] and paper.categories == ["bioinformatics"]
    assert paper.extra["jatsxml"].endswith("2026.01.29.600100.source.xml") and paper.published == dt.date(2026, 2, 1)


@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b'{"messages": [{"status": "error"}]}',
                                  b'["not", "a", "page"]', b'{"collection": 7}'])
def test_a_page_that_is_not_the_apis_json_is_refused_whole(body):
    with pytest.raises(FeedError):
        api.parse_page(body, "page")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["doi", "title", "version", "category", "collection", "messages", "status",
                                         "total", "date", "jatsxml", "authors"]), inner, max_size=6), max_leaves=25))
def test_any_json_is_a_page_or_a_clear_refusal(data):
    try:
        page = api.parse_page(json.dumps(data), "page")
    except FeedError:
        return
    for record in page.records:
        paper = api.paper_of(record, "biorxiv")
        assert paper.id.startswith("biorxiv:10.") and paper.version >= 1 and paper.title


def bio_routes(server: GoldenServer, site: str) -> None:
    """The API's day pages and DOI look-ups, and the JATS files, on loopback."""
    def page(name: str):
        return Reply(200, (DATA / name).read_text(encoding="utf-8").replace("https://www.biorxiv.org", site)
                     .replace("https://www.medrxiv.org", site), {"Content-Type": "application/json"})
    server.routes["/details/biorxiv/2026-02-01/2026-02-01/0/json"] = page("details-biorxiv-2026-02-01-0.json")
    server.routes["/details/biorxiv/2026-02-01/2026-02-01/100/json"] = page("details-biorxiv-2026-02-01-100.json")
    server.routes["/details/medrxiv/2026-02-01/2026-02-01/0/json"] = page("details-medrxiv-2026-02-01-0.json")
    for n, name in ((0, "tables"), (10, "supplement"), (19, "malformed")):
        suffix = f"2026.01.{29 + n % 3:02d}.{600100 + n * 37}"
        server.routes[f"/content/early/2026/02/01/{suffix}.source.xml"] = Reply(200, (JATS / f"{name}.xml").read_bytes())


def test_a_day_is_listed_page_after_page_in_the_followed_categories():
    with GoldenServer() as server, PoliteClient("t", interval=0) as client:
        bio_routes(server, server.url)
        source = BiorxivSource(client, ["new", "cross", "replace", "replace-cross"], ["Bioinformatics", "bio_physics",
                                                                                     "biophysics"],
                               api_url=server.url, site_url=server.url)
        batch = source.day(DAY)
        assert [r["path"].rsplit("/", 2)[-2] for r in server.requests] == ["0", "100"]  # the cursor moves by page
    assert batch.day == DAY and batch.items_read == 105 and len(batch.malformed) == 2
    assert {item.paper.categories[0] for item in batch.listings} == {"bioinformatics", "biophysics"}
    replaced = {item.paper.id: item for item in batch.listings if item.announce_type == "replace"}
    assert set(replaced) == {"biorxiv:10.1101/2026.01.29.600100", "biorxiv:10.1101/2026.01.30.600470",
                             "biorxiv:10.1101/2026.01.30.600803"}  # one listing per preprint: its version 2
    assert all(item.paper.version == 2 for item in replaced.values())
    assert len({item.paper.id for item in batch.listings}) == len(batch.listings) == 26


# -- a day of arXiv and bioRxiv, delivered to Telegram and Discord ----------------------------------

CONFIG = """sources = ["arxiv", "biorxiv"]
[biorxiv]
categories = ["bioinformatics", "biophysics"]
site_url = "{url}"

[[topics]]
id = "VLA"
name = "VLA"
any = ["vision-language-action", "vla"]
description = "Vision-language-action models for robots."
rank = false

[[topics]]
id = "PROTEIN"
name = "Protein language models"
any = ["protein language model", "protein design"]
description = "Language models of protein sequences."
rank = false

[[webhooks]]
name = "tg"
kind = "telegram"
token = "env:TG_TOKEN"
chat_id = "-100123"
api_url = "{url}"

[[webhooks]]
name = "dc"
kind = "discord"
url = "{url}/api/webhooks/1/discord-secret-token"
"""


def test_a_day_of_arxiv_and_biorxiv_runs_end_to_end(tmp_path, home, arxiv, llm, monkeypatch):
    serve_day(arxiv)
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, (write_feed(tmp_path)).read_text())
    with GoldenServer() as bio:
        bio_routes(bio, bio.url)
        bio.routes["/bot123:SECRET/sendMessage"] = Reply(200, json.dumps({"ok": True, "result": {}}))
        bio.routes["/api/webhooks/1/discord-secret-token"] = Reply(200, json.dumps({"id": "1"}))
        monkeypatch.setenv("TG_TOKEN", "123:SECRET")
        monkeypatch.setenv("ARXIV_MONITOR_BIORXIV_API_URL", bio.url)  # the environment overrides the file
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(CONFIG.format(url=bio.url), encoding="utf-8")
        result = invoke("run")
        assert result.exit_code == 0, result.output
        sent = {"tg": [json.loads(r["body"]) for r in bio.requests if r["path"].endswith("/sendMessage")],
                "dc": [json.loads(r["body"]) for r in bio.requests if "discord" in r["path"]]}
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "## 主题：VLA（1 篇）" in md and "## 主题：Protein language models" in md  # by topic, whatever the source
    assert "Protein language models learn evolutionary constraints" in md and VLA.title in md
    protein = md.split("## 主题：Protein language models")[1]
    assert "bioRxiv" in protein and "10.1101/2026.01.29.600100" in protein
    stored = read(home, lambda s: s.fulltexts.get(s.papers.latest("biorxiv:10.1101/2026.01.29.600100")))
    assert stored.text.source == "jats" and "Table 1. Contact precision" in stored.text.text
    code = read(home, lambda s: s.papers.latest("biorxiv:10.1101/2026.01.29.600100").code_url)
    assert code == "https://github.com/fold-lab/plm-contacts"
    assert llm.calls_for("biorxiv:10.1101/2026.01.29.600100") == 1  # analysed by the (fake) LLM
    hits = read(home, lambda s: s.search.query("evolutionary constraints"))
    assert [h.paper_id for h in hits] == ["biorxiv:10.1101/2026.01.29.600100"]
    data = json.loads((home / "reports" / "2026-02-02.json").read_text())
    bio_paper = next(p for p in data["papers"] if p["source"] == "biorxiv")
    assert bio_paper["abs_url"].startswith("https://www.biorxiv.org/content/10.1101/")
    text = " ".join(m["text"] for m in sent["tg"])
    assert "Protein language models learn evolutionary constraints" in text and "123:SECRET" not in result.output
    assert sent["dc"] and all(len(m["embeds"]) <= 10 for m in sent["dc"])
    rated = invoke("rate", "biorxiv:10.1101/2026.01.29.600100", "good", "--topic", "PROTEIN")
    assert rated.exit_code == 0
    from arxiv_monitor.core.config import load_config
    from arxiv_monitor.store import open_store
    from arxiv_monitor.web import feeds, pages

    with open_store(load_config()) as store:
        bibtex = feeds.bibtex(pages.good_papers(store))
    assert "doi = {10.1101/2026.01.29.600100}" in bibtex and "year = {2026}" in bibtex and "bioRxiv" in bibtex


def _sink(paths: dict[str, list[Reply]]):
    server = GoldenServer({p: list(r) for p, r in paths.items()})
    return server


@pytest.mark.parametrize("kind", ["telegram", "discord"])
def test_a_40_paper_digest_arrives_whole_once_after_a_failed_part(tmp_path, home, arxiv, kind):
    from tests.helpers import many_papers

    papers = many_papers(40)
    from tests.arxiv_data import api_atom

    arxiv.routes["/api/query"] = Reply(200, api_atom(papers))
    good = Reply(200, json.dumps({"ok": True, "result": {}} if kind == "telegram" else {"id": "1"}))
    bad = Reply(502, "Bad Gateway") if kind == "discord" else Reply(400, json.dumps(
        {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3"}))
    path = "/botT0K3N/sendMessage" if kind == "telegram" else "/api/webhooks/9/hook-secret"
    with GoldenServer({path: [good, bad] + [good] * 30}) as sink:
        home.mkdir(parents=True, exist_ok=True)
        entry = (f'token = "T0K3N"\nchat_id = "42"\napi_url = "{sink.url}"' if kind == "telegram"
                 else f'url = "{sink.url}{path}"')
        (home / "config.toml").write_text(f'[[webhooks]]\nname = "lab"\nkind = "{kind}"\n{entry}\n', encoding="utf-8")
        feed = write_feed(tmp_path, papers)
        first = invoke("run", "--feed", str(feed))
        assert "delivery failed" in first.output and "T0K3N" not in first.output and "hook-secret" not in first.output
        invoke("run", "--feed", str(feed))
        bodies = [json.loads(r["body"]) for r in sink.requests]
    texts = [b["text"] if kind == "telegram" else json.dumps(b["embeds"], ensure_ascii=False) for b in bodies]
    total = int(re.search(r"\(1/(\d+)\)", bodies[0]["text" if kind == "telegram" else "content"]).group(1))
    assert total >= 2 and len(bodies) == total + 1  # the failed part once more, nothing else twice
    delivered = texts[:1] + texts[2:]
    assert len(delivered) == total and len(set(delivered)) == total
    assert all(f"VLA-{i}:" in " ".join(delivered) for i in range(40))  # the digest arrived whole
    if kind == "telegram":
        assert all(len(b["text"]) <= 4096 and b["parse_mode"] == "HTML" for b in bodies)
    else:
        assert all(len(b["content"]) <= 2000 and len(b["embeds"]) <= 10 and
                   sum(len(e.get("title", "")) + len(e.get("description", "")) for e in b["embeds"]) <= 6000
                   for b in bodies)
    record = read(home, lambda s: s.deliveries.record_of("2026-02-02", "lab"))
    assert (record.status, record.parts_sent) == ("sent", total)


def test_telegram_text_is_escaped_html():
    from arxiv_monitor.core.models import (
        DayReport,
        Listing,
        Paper,
        ReportEntry,
        TopicDecision,
    )
    from arxiv_monitor.delivery.telegram import TelegramChannel, TelegramOptions

    paper = Paper("2602.00009", 1, 'VLA <script>alert("x")</script> & <b>bold</b>', "a")
    entry = ReportEntry(Listing(paper, "new", [TopicDecision("V", "V", 0, 0.5, "keywords", "keywords")]), None,
                        None, None)
    channel = TelegramChannel("tg", None, options=TelegramOptions(token="t", chat_id="1"))
    (message,) = channel.messages(day_digest(DayReport("2026-02-02", ["cs.AI"], [], 1, [entry], "extractive", "")), {}, False)
    assert "<script>" not in message["text"] and "&lt;script&gt;" in message["text"] and "&amp;" in message["text"]
    assert '<a href="https://arxiv.org/abs/2602.00009v1">' in message["text"]
