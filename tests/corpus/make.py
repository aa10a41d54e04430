"""Build the full-text fixture corpus from real LaTeX classes.

    python tests/corpus/make.py          # needs texlive (+ texlive-publishers, -science) and latexml
    ACL_STY=/path/to/acl-style-files/acl.sty python tests/corpus/make.py   # for the ACL layout

The ACL layout needs ``acl.sty`` from the ACL template (github.com/acl-org/acl-style-files);
it is copied in for the build and not committed. Where a test needs a URL broken across a
line at one of its hyphens (``url-break-*``, and the ACL paper's code link), the script
tries lead-in sentences until pdflatex breaks the line there.

For each layout in ``content.PAPERS`` it writes ``<layout>/paper.tex``, compiles it
with pdflatex (twice, for references) to ``paper.pdf``, converts it with latexmlc
(LaTeXML, the converter behind arXiv's HTML) to ``paper.html``, and writes
``truth.json`` from the same content: section titles, paragraphs, footnotes,
display equations, bibliography entries, hyphenated compounds and the code URL.
The generated files are committed, so the tests and CI need no TeX.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from content import PAPERS  # noqa: E402

AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
PREAMBLE = "\\usepackage{amsmath,amssymb,booktabs,algorithm,algpseudocode}\n"
REVTEX_PREAMBLE = "\\usepackage{amsmath,amssymb,booktabs,algpseudocode}\n"
FOOTNOTE = ("We follow the taxonomy of the survey by the same authors, which groups methods by "
            "how they condition on language.")


def tex_escape_url(url: str) -> str:
    return url.replace("%", "\\%").replace("#", "\\#")


def code_sentence(paper: dict) -> str:
    return f"Our code and trained models are available at \\url{{{tex_escape_url(paper['code_url'])}}}."


def section_tex(n: int, title: str, paragraphs: list[str], paper: dict, layout: str) -> str:
    body = []
    for k, para in enumerate(paragraphs):
        text = para
        if title == "Introduction" and k == 0 and paper["code_where"] == "footnote":
            text = text.replace("manipulation \\cite", f"manipulation\\footnote{{{code_sentence(paper)}}} \\cite", 1)
        if title == "Related Work" and k == 0:
            text = text.rstrip(".") + f".\\footnote{{{FOOTNOTE}}}"
        body.append(text)
    if title == "Method":
        eq1, eq2 = paper["equations"]
        body.insert(1, f"\\begin{{equation}}\n{eq1}\n\\label{{eq:loss}}\n\\end{{equation}}")
        body.append(f"\\begin{{equation*}}\n{eq2}\n\\end{{equation*}}")
        if paper.get("framework_url"):
            body.append("Our implementation builds on the Transformers library "
                        f"(\\url{{{paper['framework_url']}}}) and uses its default tokenizer.")
        body.append(ALGORITHM if layout != "revtex" else  # REVTeX clashes with the float package
                    ALGORITHM.replace("\\begin{algorithm}[t]", "\\begin{figure}[t]").replace(
                        "\\end{algorithm}", "\\end{figure}"))
    if title == "Experiments":
        body.append(table_tex(paper["nested_table"]))
        body.insert(1, "\\subsection{Setup}")
        body.insert(3, "\\subsection{Results}")
    if title == "Conclusion" and paper["code_where"] in ("late", "broken"):
        body.append(paper.get("code_lead", "") + code_sentence(paper))
    return f"\\section{{{title}}}\n\\label{{sec:{n}}}\n" + "\n\n".join(body) + "\n"


ALGORITHM = r"""\begin{algorithm}[t]
\caption{Two-stage training}
\begin{algorithmic}[1]
\Require pretrained backbone $f$, datasets $D_1$ and $D_2$
\For{each stage $s \in \{1, 2\}$}
\State sample a batch $B$ from $D_s$
\State update the adapter on the loss of $B$
\EndFor
\State \Return the trained adapter
\end{algorithmic}
\end{algorithm}"""


def table_tex(nested: bool) -> str:
    cell = "\\begin{tabular}{@{}c@{}}avg.\\\\(all tasks)\\end{tabular}" if nested else "average"
    return (
        "\\begin{table}[t]\n\\centering\n\\caption{Main results on the benchmark.}\n"
        "\\begin{tabular}{lcc}\n\\toprule\n"
        f"Method & {cell} & long-horizon \\\\\n\\midrule\n"
        "Baseline-A & 91.9 & 83.2 \\\\\nBaseline-B & 88.4 & 79.5 \\\\\nOurs & 94.8 & 90.1 \\\\\n"
        "\\bottomrule\n\\end{tabular}\n\\end{table}"
    )


def bibliography_tex(paper: dict) -> str:
    items = "\n".join(f"\\bibitem{{{key}}} {text}" for key, text in paper["bib"])
    return f"\\begin{{thebibliography}}{{9}}\n{items}\n\\end{{thebibliography}}\n"


def acl_bibliography_tex(paper: dict) -> str:
    """natbib's author-year items, as acl_natbib.bst writes them."""
    items = "\n".join(f"\\bibitem[{{{label}}}]{{{key}}}\n{text}" for key, label, text in paper["acl_bib"])
    return f"\\begin{{thebibliography}}{{{len(paper['acl_bib'])}}}\n{items}\n\\end{{thebibliography}}\n"


def sections_tex(paper: dict, layout: str) -> str:
    out = [section_tex(n, t, p, paper, layout) for n, (t, p) in enumerate(paper["sections"], start=1)]
    return "\n".join(out)


def document(layout: str, paper: dict) -> str:
    title, abstract = paper["title"], paper["abstract"]
    body = sections_tex(paper, layout)
    bib = bibliography_tex(paper)
    authors = ", ".join(AUTHORS)
    anded = " \\and ".join(AUTHORS)
    if layout == "ieee":
        return (f"\\documentclass[conference]{{IEEEtran}}\n{PREAMBLE}\\usepackage[hidelinks]{{hyperref}}\n"
                f"\\begin{{document}}\n\\title{{{title}}}\n"
                f"\\author{{\\IEEEauthorblockN{{{authors}}}\\IEEEauthorblockA{{Robot Learning Lab, Example University}}}}\n"
                f"\\maketitle\n\\begin{{abstract}}\n{abstract}\n\\end{{abstract}}\n"
                f"\\begin{{IEEEkeywords}}\nrobot learning, vision-language-action models\n\\end{{IEEEkeywords}}\n"
                f"{body}\n\\section*{{Acknowledgment}}\nWe thank the lab members for their help.\n\n{bib}\\end{{document}}\n")
    if layout == "revtex":
        return (f"\\documentclass[twocolumn,prd,nofootinbib]{{revtex4-2}}\n{REVTEX_PREAMBLE}\\usepackage{{hyperref}}\n"
                f"\\begin{{document}}\n\\title{{{title}}}\n"
                + "".join(f"\\author{{{a}}}\n" for a in AUTHORS) +
                f"\\affiliation{{Urban Computing Lab, Example University}}\n"
                f"\\begin{{abstract}}\n{abstract}\n\\end{{abstract}}\n\\maketitle\n{body}\n"
                f"\\begin{{acknowledgments}}\nWe thank the city's transport agency for the sensor data.\n"
                f"\\end{{acknowledgments}}\n{bib}\\end{{document}}\n")
    if layout == "llncs":
        return (f"\\documentclass{{llncs}}\n{PREAMBLE}\\usepackage{{hyperref}}\n\\begin{{document}}\n"
                f"\\title{{{title}}}\n\\author{{{anded}}}\n"
                f"\\institute{{Planning Lab, Example University}}\n\\maketitle\n"
                f"\\begin{{abstract}}\n{abstract}\n\\keywords{{robot learning \\and planning}}\n\\end{{abstract}}\n"
                f"{body}\n{bib}\\end{{document}}\n")
    if layout == "acmart":  # the code URL in the author block
        code = f"\\department{{Code: \\url{{{paper['code_url']}}}}}"
        return (f"\\documentclass[sigconf,nonacm]{{acmart}}\n\\usepackage{{algorithm,algpseudocode}}\n"
                f"\\begin{{document}}\n\\title{{{title}}}\n\\author{{{AUTHORS[0]}}}\n"
                f"\\affiliation{{\\institution{{Efficient Robotics Lab}}\\city{{Zurich}}\\country{{Switzerland}}}}\n"
                f"\\author{{{AUTHORS[1]}}}\n\\affiliation{{\\institution{{Example University}}{code}"
                f"\\city{{Manchester}}\\country{{United Kingdom}}}}\n\\begin{{abstract}}\n{abstract}\n"
                f"\\end{{abstract}}\n\\maketitle\n{body}\n{bib}\\end{{document}}\n")
    appendix = "\n".join(f"\\section{{{t}}}\n" + "\n\n".join(ps) for t, ps in paper.get("appendix", []))
    if layout == "acl":  # the ACL template: references, then the appendix
        affil = "Embodied Language Lab, Example University"
        return ("\\documentclass[11pt]{article}\n\\PassOptionsToPackage{hyphens}{url}\n\\usepackage[final]{acl}\n"
                "\\usepackage{times}\n\\usepackage{latexsym}\n\\usepackage[T1]{fontenc}\n"
                f"\\usepackage[utf8]{{inputenc}}\n\\usepackage{{microtype}}\n{PREAMBLE}"
                f"\\title{{{title}}}\n\\author{{{AUTHORS[0]} \\\\ {affil} \\And {AUTHORS[1]} \\\\ {affil}}}\n"
                f"\\begin{{document}}\n\\maketitle\n\\begin{{abstract}}\n{abstract}\n\\end{{abstract}}\n{body}\n"
                f"\\section*{{Limitations}}\n{paper['limitations']}\n\n"
                f"{acl_bibliography_tex(paper)}\n\\appendix\n{appendix}\n\\end{{document}}\n")
    return (f"\\documentclass[11pt]{{article}}\n{PREAMBLE}\\usepackage[margin=1in]{{geometry}}\n"
            f"\\usepackage{{hyperref}}\n\\begin{{document}}\n\\title{{{title}}}\n\\author{{{anded}}}\n"
            f"\\date{{}}\n\\maketitle\n\\begin{{abstract}}\n{abstract}\n\\end{{abstract}}\n{body}\n"
            f"{bib}\n\\appendix\n{appendix}\n\\end{{document}}\n")


# -- ground truth -------------------------------------------------------------
def plain(text: str) -> str:
    """What a reader sees of a paragraph: citations, math and footnotes left out."""
    text = re.sub(r"\\footnote\{(?:[^{}]|\{[^{}]*\})*\}", "", text)
    text = re.sub(r"\s*\\cite\{[^}]*\}", "", text)
    text = re.sub(r"\$[^$]*\$", "", text)
    text = re.sub(r"\\(?:emph|textbf)\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\url\{([^}]*)\}", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def truth(layout: str, paper: dict) -> dict:
    limits = [("Limitations", [paper["limitations"]])] if "limitations" in paper else []
    sections = ["Abstract"] + [t for t, _ in paper["sections"] + limits] + [t for t, _ in paper.get("appendix", [])]
    paragraphs = [paper["abstract"]] + [plain(p) for _, ps in paper["sections"] + limits for p in ps] + \
        [plain(p) for _, ps in paper.get("appendix", []) for p in ps]
    footnotes = [FOOTNOTE] + ([plain(code_sentence(paper))] if paper["code_where"] == "footnote" else [])
    compounds = sorted({w.strip(".,;:()") for p in paragraphs + footnotes for w in p.split()
                        if re.fullmatch(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+[.,;:)]*", w) and not w.startswith("http")})
    return {
        "layout": layout, "title": paper["title"], "sections": sections,
        "subsections": ["Setup", "Results"], "paragraphs": paragraphs, "footnotes": footnotes,
        "equations": paper["equations"], "bibliography": [text for _, text in paper["bib"]],
        "compounds": compounds, "code_url": paper["code_url"],
        "framework_url": paper.get("framework_url"),
    }


LEADS = ["", "In short, ", "To help others build on this work, ", "For reproducibility, ", "Finally, ",
         "We release everything. ", "All of it is public. ", "To conclude, ", "As promised, ", "Moreover, ",
         "In addition, ", "For the community, ", "We hope this helps. ", "Please see the code. ", "Also, "]


def pdflatex(out: Path, name: str = "paper") -> None:
    if "acl" in (out / f"{name}.tex").read_text(encoding="utf-8")[:200]:
        shutil.copy(acl_sty(), out / "acl.sty")
    for _ in range(2):
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                              cwd=out, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{out.name}/{name}: pdflatex failed:\n{done.stdout[-3000:]}")


def acl_sty() -> Path:
    path = Path(os.environ.get("ACL_STY", ""))
    if not path.is_file():
        sys.exit("the ACL layout needs acl.sty: ACL_STY=/path/to/acl-style-files/acl.sty python tests/corpus/make.py")
    return path


def broken_at_hyphen(pdf: Path, url: str) -> bool:
    """A line of the PDF ends inside ``url`` right after one of its hyphens."""
    import pymupdf

    with pymupdf.open(pdf) as doc:
        lines = [line.rstrip() for page in doc for line in page.get_text().splitlines()]
    return any(line.endswith("-") and (line.split()[-1] + nxt.split()[0]).rstrip(".,;)") in url
               and line.split()[-1].rstrip("-").split("/")[-1] for line, nxt in zip(lines, lines[1:])
               if line.split() and nxt.split())


def build(layout: str, paper: dict) -> None:
    out = HERE / layout
    out.mkdir(exist_ok=True)
    for lead in LEADS if layout == "acl" else [""]:
        paper["code_lead"] = lead
        (out / "paper.tex").write_text(document(layout, paper), encoding="utf-8")
        pdflatex(out)
        if layout != "acl" or broken_at_hyphen(out / "paper.pdf", paper["code_url"]):
            break
    else:
        sys.exit(f"{layout}: no lead-in breaks the code URL at a hyphen")
    done = subprocess.run(["latexmlc", "--format=html5", "--nodefaultresources", "--dest=paper.html",
                           "paper.tex"], cwd=out, capture_output=True, text=True)
    if "Status:conversion:0" not in done.stderr and "Status:conversion:1" not in done.stderr:
        sys.exit(f"{layout}: latexmlc failed:\n{done.stderr[-3000:]}")
    for junk in out.iterdir():
        if junk.name not in ("paper.tex", "paper.pdf", "paper.html", "truth.json"):
            junk.unlink()
    (out / "truth.json").write_text(json.dumps(truth(layout, paper), ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    print(f"{layout}: {(out / 'paper.pdf').stat().st_size} bytes PDF, {(out / 'paper.html').stat().st_size} bytes HTML")


URL_BREAK = {  # two-column classes, a URL with hyphens broken across a line at one of them
    "ieee": ("\\documentclass[conference]{IEEEtran}\n\\PassOptionsToPackage{hyphens}{url}\n\\usepackage{hyperref}\n",
             "https://github.com/robot-manipulation-lab/tactile-grasp"),
    "acl": ("\\documentclass[11pt]{article}\n\\PassOptionsToPackage{hyphens}{url}\n\\usepackage[final]{acl}\n"
            "\\usepackage{times}\n", "https://github.com/multilingual-nlp-group/cross-lingual-probe"),
}
URL_TEXT = ("We study how grasp policies use touch. The sensors report contact forces at two hundred hertz, "
            "and the policy reads them together with the camera image. ")


def build_url_breaks() -> None:
    """``cases/url-break-<class>.pdf``: a paragraph whose code URL breaks at a hyphen."""
    for cls, (preamble, url) in URL_BREAK.items():
        out = HERE / "cases"
        for lead in LEADS:
            tex = (f"{preamble}\\begin{{document}}\n\\section{{Introduction}}\n{URL_TEXT}{lead}"
                   f"Our code is available at \\url{{{url}}}. We thank the reviewers.\n\n{URL_TEXT * 3}\n"
                   "\\end{document}\n")
            (out / f"url-break-{cls}.tex").write_text(tex, encoding="utf-8")
            pdflatex(out, f"url-break-{cls}")
            if broken_at_hyphen(out / f"url-break-{cls}.pdf", url):
                break
        else:
            sys.exit(f"url-break-{cls}: no lead-in breaks the URL at a hyphen")
        for junk in out.glob(f"url-break-{cls}.*"):
            if junk.suffix not in (".tex", ".pdf"):
                junk.unlink()
        (out / "acl.sty").unlink(missing_ok=True)
        (out / f"url-break-{cls}.json").write_text(json.dumps({"url": url}) + "\n", encoding="utf-8")
        print(f"cases/url-break-{cls}.pdf")


def build_cases() -> None:
    """LaTeXML pages for the HTML edge cases: footnotes and listings, a failed conversion."""
    for tex in sorted(t for t in (HERE / "cases").glob("*.tex") if not t.name.startswith("url-break")):
        subprocess.run(["latexmlc", "--format=html5", "--nodefaultresources", f"--dest={tex.stem}.html",
                        tex.name], cwd=tex.parent, capture_output=True, text=True)
        print(f"cases/{tex.stem}.html")


def main() -> None:
    for tool in ("pdflatex", "latexmlc"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install texlive-latex-extra texlive-publishers "
                     "texlive-science latexml")
    only = sys.argv[1:]
    for layout, paper in PAPERS.items():
        if not only or layout in only:
            build(layout, paper)
    if not only or "cases" in only:
        build_cases()
        build_url_breaks()


if __name__ == "__main__":
    main()
