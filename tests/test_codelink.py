"""Finding the code repository in the paper's own text."""

from arxiv_monitor.codelink import candidates, clean_url, find_code_url, resemblance
from arxiv_monitor.models import FullText, Paper, Section


def test_clean_url_keeps_case_strips_punctuation_and_git_suffix():
    assert clean_url("https://github.com/HQ-LV/WED-Net.") == "https://github.com/HQ-LV/WED-Net"
    assert clean_url("https://github.com/a/b.git).") == "https://github.com/a/b"
    assert clean_url("https://github.com/a/legit") == "https://github.com/a/legit"
    assert clean_url("https://github.com/a/widget(s)") == "https://github.com/a/widget(s)"
    assert clean_url("github.com/Org/Repo],") == "https://github.com/Org/Repo"


def test_candidates_skip_non_repository_pages():
    text = "See https://github.com/features and https://github.com/Org/Repo/tree/main/sub."
    assert candidates(text) == ["https://github.com/Org/Repo/tree/main/sub"]


def test_prefers_repository_resembling_the_title():
    paper = Paper("1", 1, "WED-Net: Weather Effects",
                  "We build on https://github.com/pyg-team/pytorch_geometric; ours is at https://github.com/HQ-LV/WED-Net.")
    assert find_code_url(paper) == "https://github.com/HQ-LV/WED-Net"
    assert resemblance("https://github.com/HQ-LV/WED-Net", paper.title) == 1.0


def test_order_abstract_comments_fulltext():
    paper = Paper("1", 1, "Graph Traffic Prediction", "No link here.", comments="Code: https://github.com/x/GTP")
    assert find_code_url(paper) == "https://github.com/x/GTP"
    paper.comments = None
    text = FullText("html", [Section("Front matter", "Code is available at https://github.com/lab/graph-tp."),
                             Section("5 Experiments", "We use https://github.com/huggingface/transformers.")])
    assert find_code_url(paper, text) == "https://github.com/lab/graph-tp"
    cited_only = FullText("html", [Section("Method", "Baseline from https://github.com/huggingface/transformers.")])
    assert find_code_url(paper, cited_only) is None
