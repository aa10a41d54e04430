"""The keyword rules of arxiv_monitor.match."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.relevance.keywords import keyword_verdict
from arxiv_monitor.relevance.match import compile_keyword, find, is_acronym, snippet


@pytest.mark.parametrize("keyword,text", [
    ("gan", "We train a GAN on faces."),
    ("gan", "Two GANs compete."),
    ("gan", "StyleGAN generates faces."),
    ("gan", "Cycle-GAN translates images."),
    ("gan", "StyleGAN2 improves it."),
    ("rag", "A RAG-based assistant."),
    ("rag", "GraphRAG builds a graph."),
    ("llm", "LLMs are large."),
    ("vla", "OpenVLA is a VLA."),
    ("vision-language-action", "Vision Language Action models"),
    ("vision-language-action", "a vision-language action policy"),
    ("Vision Language Action", "Vision-Language-Action (VLA) models"),
    ("Vision Language Action", "visionlanguageaction"),
    ("spatio-temporal prediction", "accurate spatiotemporal predictions"),
    ("traffic prediction", "Traffic-Prediction benchmark"),
    ("traffic prediction", "TRAFFIC PREDICTION"),
    ("Multivariate Time Series Forecasting", "multivariate time-series forecasting"),
])
def test_matches(keyword, text):
    assert find(keyword, text), (keyword, text)


@pytest.mark.parametrize("keyword,text", [
    ("gan", "The organ was imaged."),
    ("gan", "It began to rain."),
    ("gan", "Gan et al. studied this."),  # a surname, not the acronym
    ("rag", "Cloud storage is cheap."),
    ("rag", "Each fragment is small."),
    ("rag", "RAGE is an acronym of its own."),
    ("rag", "rag dolls"),
    ("vla", "NetVLAD descriptors for place recognition."),
    ("vla", "The Vlasov equation."),
    ("vla", "VLAgent handles GUIs."),
    ("traffic prediction", "traffic predictor design"),
    ("traffic prediction", "traffic and prediction"),
    ("spatio-temporal prediction", "spatio-temporal predictionism"),
])
def test_does_not_match(keyword, text):
    assert not find(keyword, text), (keyword, text)


def test_plural_only_on_last_word():
    assert find("traffic prediction", "traffic predictions")
    assert not find("traffic prediction", "traffics prediction")


def test_acronym_rule():
    assert is_acronym("gan") and is_acronym("llm") and is_acronym("NERF")
    assert not is_acronym("Pose") and not is_acronym("robotics") and not is_acronym("3d")
    assert compile_keyword("Pose").acronym is False
    assert find("Pose", "pose estimation")


def test_snippet_is_short_and_marks_cuts():
    text = "word " * 50 + "StyleGAN" + " tail" * 50
    hit = find("gan", text)
    excerpt = snippet(text, hit.start(), hit.end())
    assert "StyleGAN" in excerpt and excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) < 160


def test_keyword_hits_report_field_and_matched_text():
    paper = Paper("1", 1, "A Cycle-GAN study", "We also use RAG-based retrieval over storage.")
    hits = keyword_verdict(paper, TopicConfig(id="T", any=["gan", "rag", "llm"])).hits
    assert [(h.keyword, h.field, h.matched) for h in hits] == [
        ("gan", "title", "GAN"), ("rag", "abstract", "RAG")]
    assert not keyword_verdict(Paper("2", 1, "An organ", "It began."), TopicConfig(id="T", any=["gan"])).passes


WORDS = ["GAN", "StyleGAN", "organ", "began", "GANs", "vision-language", "Vision Language", "VisionLanguage",
         "traffic", "Traffic", "forecasting", "RAG", "rag", "spatio-temporal", "spatiotemporal", "NeRF", "ÉCOLE",
         "école", "the", "of", "models", "-", ",", "x"]
KEYWORDS = ["gan", "rag", "vision-language", "traffic", "title:forecasting", "spatio-temporal", "nerf@0.3",
            "école", "Traffic forecasting", "title:gan@0.4"]


@given(title=st.lists(st.sampled_from(WORDS), max_size=8), abstract=st.lists(st.sampled_from(WORDS), max_size=20),
       any_=st.lists(st.sampled_from(KEYWORDS), max_size=3), none=st.lists(st.sampled_from(KEYWORDS), max_size=2),
       all_=st.lists(st.sampled_from(KEYWORDS + ["gan|traffic", "rag|école"]), max_size=2),
       categories=st.lists(st.sampled_from(["cs.LG", "cs.CV"]), max_size=1),
       paper_categories=st.lists(st.sampled_from(["cs.LG", "cs.RO"]), min_size=1, max_size=2))
def test_a_days_verdicts_are_each_papers_own(title, abstract, any_, none, all_, categories, paper_categories):
    """The verdicts of a whole column (remembered, and skipping papers that hold no probe of the
    topic's words) are the verdicts of searching each paper on its own."""
    from arxiv_monitor.relevance.keywords import _verdict, verdicts

    paper = Paper("2601.00001", 1, " ".join(title), " ".join(abstract), categories=paper_categories)
    topic = TopicConfig(id="T", any=any_ or ["gan"], none=none, all=all_, categories=categories)
    assert verdicts([paper], [topic])[0][0] == _verdict(paper, topic)
