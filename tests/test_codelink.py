"""Finding the code repository in the paper's own text."""

from arxiv_monitor.core.models import FullText, Paper, Section
from arxiv_monitor.fulltext.codelink import candidates, clean_url, find_code_url, resemblance


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


def test_a_sentence_running_on_and_double_slashes_are_cut():
    assert clean_url("https://github.com/lab/Lingua-SafetyBench.Warning:") == "https://github.com/lab/Lingua-SafetyBench"
    assert clean_url("github.com//user/repo") == "https://github.com/user/repo"
    assert clean_url("https://github.com/mrdoob/three.js") == "https://github.com/mrdoob/three.js"


def test_a_url_broken_across_lines_is_joined():
    text = "Our code is at https://github.com/urban-computing-lab/\nweather-aware-forecasting. It works."
    assert candidates(text) == ["https://github.com/urban-computing-lab/weather-aware-forecasting"]


def test_the_papers_own_code_beats_a_framework_and_needs_no_early_place():
    paper = Paper("1", 1, "Long-Horizon Planning with Skills", "An abstract without links.")
    filler = "The experiments are described in detail. " * 300  # the URL comes after 12,000 characters
    text = FullText("pdf", [
        Section("3 Method", "Our implementation builds on the Transformers library "
                            "(https://github.com/huggingface/transformers) and PyTorch."),
        Section("5 Conclusion", filler + "Our code is available at https://github.com/planner-lab/skills-replan."),
    ])
    assert find_code_url(paper, text) == "https://github.com/planner-lab/skills-replan"
    only_framework = FullText("pdf", [text.sections[0]])
    assert find_code_url(paper, only_framework) is None


def test_link_annotations_give_the_exact_url():
    paper = Paper("1", 1, "Good Robot", "No link.")
    broken = FullText("pdf", [Section("Front matter", "Code: https://github.com/jhu-lcsr/good robot.")],
                      links=["https://github.com/jhu-lcsr/good_robot"])
    assert find_code_url(paper, broken) == "https://github.com/jhu-lcsr/good_robot"
