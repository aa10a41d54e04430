"""Community signals (Hugging Face Daily Papers): read from the API's answer, shown beside
each paper in the report, its JSON and the reading room, used only to order papers of equal
relevance, and skipped with one notice when the service cannot be reached."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.errors import FeedError
from arxiv_monitor.sources.huggingface.api import parse_daily_papers
from tests.arxiv_data import FakePaper, api_atom
from tests.fakes import GoldenServer, Reply
from tests.helpers import invoke, read, write_feed

SITE = "https://huggingface.co/papers"

LOW = FakePaper("2602.00011", "A vision-language-action policy for drawer opening", "We study a VLA policy.",
                categories=["cs.RO"])
HIGH = FakePaper("2602.00012", "Scaling vision-language-action pretraining", "A VLA model trained at scale.",
                 categories=["cs.RO"])
LOUD = FakePaper("2602.00013", "A diffusion model for image editing", "Nothing about robots at all.",
                 categories=["cs.CV"])
DAY_PAPERS = [LOW, HIGH, LOUD]

CONFIG = """signals = ["huggingface"]

[[topics]]
id = "VLA"
name = "VLA"
any = ["vision-language-action", "vla"]
rank = false
"""


def entry(arxiv_id: str, upvotes: int, repo: str | None = None, stars: int | None = None) -> dict:
    """One Daily Papers entry as the API sends it (the fields a client reads, and a few others)."""
    paper = {"id": arxiv_id, "authors": [{"_id": "1", "name": "A. Author", "hidden": False}],
             "publishedAt": "2026-02-01T18:00:00.000Z", "title": "…", "summary": "…", "upvotes": upvotes,
             "discussionId": "65b0c0ffee", "ai_keywords": ["vla"]}
    if repo:
        paper["githubRepo"] = repo
    if stars is not None:
        paper["githubStars"] = stars
    return {"paper": paper, "publishedAt": "2026-02-02T01:00:00.000Z", "title": "…", "numComments": 2,
            "thumbnail": "https://cdn-thumbnails.huggingface.co/x.png", "isAuthorParticipating": False,
            "submittedBy": {"_id": "2", "user": "someone", "fullname": "Some One"}}


ANSWER = json.dumps([entry(LOW.arxiv_id, 3), entry(HIGH.arxiv_id, 90, "https://github.com/vla-lab/scale", 1234),
                     entry(LOUD.arxiv_id, 500), entry("2601.99999", 7)])


def test_an_answer_gives_upvotes_repositories_and_stars():
    found = {s.paper_id: s for s in parse_daily_papers(ANSWER, "hf", SITE)}
    assert found[HIGH.arxiv_id].upvotes == 90 and found[HIGH.arxiv_id].stars == 1234
    assert found[HIGH.arxiv_id].repo_url == "https://github.com/vla-lab/scale"
    assert found[LOW.arxiv_id].repo_url is None and found[LOW.arxiv_id].stars is None
    assert found[LOW.arxiv_id].url == f"{SITE}/{LOW.arxiv_id}"


def test_odd_entries_are_skipped_and_odd_values_dropped():
    odd = [{"paper": {"id": "not an id", "upvotes": 5}}, {"paper": "x"}, 7, {"title": "no paper"},
           {"paper": {"id": "2602.00011v2", "upvotes": -3, "githubRepo": "javascript:alert(1)", "githubStars": "9"}}]
    found = parse_daily_papers(json.dumps(odd), "hf", SITE)
    assert len(found) == 1 and found[0].paper_id == "2602.00011"
    assert found[0].upvotes is None and found[0].repo_url is None and found[0].stars is None


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                    max_leaves=20))
def test_any_json_is_read_or_refused_clearly(data):
    try:
        found = parse_daily_papers(json.dumps(data), "hf", SITE)
    except FeedError as exc:
        assert "hf" in str(exc)
        return
    assert all(s.upvotes is None or s.upvotes >= 0 for s in found)


def _day(arxiv, tmp_path, home, hf_reply):
    arxiv.routes["/api/query"] = Reply(200, api_atom(DAY_PAPERS))
    with GoldenServer({"/api/daily_papers": hf_reply}) as hf, pytest.MonkeyPatch.context() as env:
        env.setenv("ARXIV_MONITOR_HUGGINGFACE_API_URL", f"{hf.url}/api/daily_papers")
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(CONFIG, encoding="utf-8")
        result = invoke("run", "--feed", str(write_feed(tmp_path, DAY_PAPERS)))
        assert result.exit_code == 0, result.output
        return result, hf.requests


def test_the_signal_is_shown_and_orders_equals_but_keeps_nothing_itself(arxiv, tmp_path, home):
    result, requests = _day(arxiv, tmp_path, home, Reply(200, ANSWER))
    assert len(requests) == 1 and requests[0]["query"] == "date=2026-02-02"  # one request for the day
    data = json.loads((home / "reports" / "2026-02-02.json").read_text())
    kept = [p["id"] for p in data["papers"]]
    assert kept == [HIGH.arxiv_id, LOW.arxiv_id]  # equal by keywords: the upvoted one first, not feed order
    assert LOUD.arxiv_id not in kept  # 500 upvotes keep nothing on their own
    high = data["papers"][0]["signals"][0]
    assert (high["upvotes"], high["stars"], high["repo_url"]) == (90, 1234, "https://github.com/vla-lab/scale")
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **社区信号**: [Hugging Face 90 赞](https://huggingface.co/papers/2602.00012) · " \
           "[GitHub 1,234 星](https://github.com/vla-lab/scale)" in md
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert '<a href="https://github.com/vla-lab/scale">GitHub 1,234 星</a>' in html
    assert "无法获取" not in md


def test_the_reading_room_shows_the_signal(arxiv, tmp_path, home):
    import httpx

    from tests.test_web import reading_room

    _day(arxiv, tmp_path, home, Reply(200, ANSWER))
    with reading_room() as url:
        page = httpx.get(f"{url}/paper/{HIGH.arxiv_id}").text
    assert "Hugging Face 90 赞" in page and "GitHub 1,234 星" in page


def test_an_unreachable_signal_is_said_once_and_the_day_goes_on(arxiv, tmp_path, home):
    result, requests = _day(arxiv, tmp_path, home, Reply(503, "down", headers={"Retry-After": "0"}))
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert md.count("今天无法获取 Hugging Face 的社区信号") == 1
    assert result.output.count("Hugging Face could not be reached") == 1
    data = json.loads((home / "reports" / "2026-02-02.json").read_text())
    assert [p["id"] for p in data["papers"]] == [LOW.arxiv_id, HIGH.arxiv_id]  # feed order without it
    assert all(p["signals"] == [] for p in data["papers"])
    assert read(home, lambda s: s.signals.gaps("2026-02-02"))


def test_a_bad_answer_is_refused_whole_and_said_once(arxiv, tmp_path, home):
    result, _ = _day(arxiv, tmp_path, home, Reply(200, "<html>rate limited</html>"))
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert md.count("今天无法获取 Hugging Face 的社区信号") == 1
