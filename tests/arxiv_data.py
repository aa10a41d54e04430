"""Generated arXiv data in arXiv's real formats: RSS, export-API Atom, LaTeXML HTML, PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pymupdf

RSS_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>{title}</title>
    <link>http://rss.arxiv.org/rss/{cats}</link>
    <description>{cats} updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/{cats}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{build}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{pub}</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
"""
ITEM = """    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{v} Announce Type: {type} 
Abstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{v}</guid>
{cats}      <pubDate>{pub}</pubDate>
      <arxiv:announce_type>{type}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
{doi}      <dc:creator>{authors}</dc:creator>
    </item>
"""


ATOM_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/{cats}</id>
  <title>{title}</title>
  <updated>{updated}</updated>
  <link href="http://rss.arxiv.org/atom/{cats}" rel="self" type="application/atom+xml"/>
  <subtitle>{cats} updates on the arXiv.org e-print archive.</subtitle>
"""
ENTRY = """  <entry>
    <id>oai:arXiv.org:{id}v{v}</id>
    <title>{title}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{id}" rel="alternate" type="text/html"/>
    <summary>arXiv:{id}v{v} Announce Type: {type} 
Abstract: {abstract}</summary>
{cats}    <published>{published}</published>
    <arxiv:announce_type>{type}</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
{doi}    <dc:creator>{authors}</dc:creator>
  </entry>
"""


@dataclass
class FakePaper:
    arxiv_id: str
    title: str
    abstract: str
    version: int = 1
    announce_type: str = "new"
    authors: str = "Ada Lovelace, Alan Turing"
    categories: list[str] = field(default_factory=lambda: ["cs.AI"])
    comment: str = ""
    doi: str = ""
    journal_ref: str = ""


def rss(papers: list[FakePaper], pub: str = "Mon, 02 Feb 2026 00:00:00 -0500",
        cats: str = "cs.AI+cs.LG+cs.RO+cs.CV", title: str | None = None) -> str:
    """An RSS document in arXiv's exact format."""
    head = RSS_HEAD.format(title=escape(title or f"{cats} updates on arXiv.org"), cats=cats,
                           pub=pub, build="Mon, 02 Feb 2026 05:00:00 +0000")
    items = "".join(
        ITEM.format(title=escape(p.title), id=p.arxiv_id, v=p.version, type=p.announce_type,
                    abstract=escape(p.abstract), pub=pub, authors=escape(p.authors),
                    cats="".join(f"      <category>{c}</category>\n" for c in p.categories),
                    doi=(f"      <arxiv:DOI>{escape(p.doi)}</arxiv:DOI>\n" if p.doi else "")
                    + (f"      <arxiv:journal_reference>{escape(p.journal_ref)}</arxiv:journal_reference>\n"
                       if p.journal_ref else ""))
        for p in papers
    )
    return head + items + "  </channel>\n</rss>\n"


def atom(papers: list[FakePaper], published: str = "2026-02-02T00:00:00-05:00",
         cats: str = "cs.AI+cs.LG+cs.RO+cs.CV", title: str | None = None) -> str:
    """An Atom document in the format of arXiv's Atom feeds (rss.arxiv.org/atom/...)."""
    head = ATOM_HEAD.format(title=escape(title or f"{cats} updates on arXiv.org"), cats=cats,
                            updated="2026-02-02T05:00:02.135284+00:00")
    entries = "".join(
        ENTRY.format(title=escape(p.title), id=p.arxiv_id, v=p.version, type=p.announce_type,
                     abstract=escape(p.abstract), published=published, authors=escape(p.authors),
                     cats="".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n'
                                  for c in p.categories),
                     doi=(f"    <arxiv:DOI>{escape(p.doi)}</arxiv:DOI>\n" if p.doi else "")
                     + (f"    <arxiv:journal_reference>{escape(p.journal_ref)}</arxiv:journal_reference>\n"
                        if p.journal_ref else ""))
        for p in papers
    )
    return head + entries + "</feed>\n"


def api_atom(papers: list[FakePaper], total: int | None = None) -> str:
    """An export-API response (Atom) for ``papers``."""
    entries = "".join(
        f"""  <entry>
    <id>http://arxiv.org/abs/{p.arxiv_id}v{p.version}</id>
    <title>{escape(p.title)}</title>
    <summary>{escape(p.abstract)}</summary>
    <author><name>Ada Lovelace</name></author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">{escape(p.comment)}</arxiv:comment>
    <arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.1000/{p.arxiv_id}</arxiv:doi>
    <arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom">Proc. Test 2026</arxiv:journal_ref>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{p.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>
    {''.join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.categories)}
  </entry>
"""
        for p in papers
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: id_list</title>
  <id>http://arxiv.org/api/test</id>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{len(papers) if total is None else total}</opensearch:totalResults>
{entries}</feed>
"""


SECTIONS = [
    ("Introduction", "Traffic forecasting is hard. However, existing methods lack robustness under "
     "extreme weather. We propose WED-Net, a dual-branch network for urban flow prediction."),
    ("Method", "Our approach consists of an intrinsic branch and a weather branch. The framework "
     "fuses both branches with an adaptive gate based on attention."),
    ("Experiments", "We evaluate on three taxi-flow datasets from NYC, CHI and DC against ten "
     "baselines. The metric is MAE and RMSE on held-out weeks."),
    ("Results", "WED-Net achieves an MAE of 3.21 and outperforms the best baseline by 6.5% on NYC. "
     "Results show robust gains under heavy rain."),
    ("Conclusion", "We presented WED-Net. A limitation is that the method assumes weather data is "
     "available at test time; future work will remove this assumption."),
]


def latexml_html(title: str, abstract: str, sections=SECTIONS, code_url: str | None = None) -> str:
    """An arXiv HTML page as LaTeXML writes it (ltx_* classes, math with alttext)."""
    parts = []
    for n, (name, text) in enumerate(sections, start=1):
        parts.append(
            f'<section id="S{n}" class="ltx_section">'
            f'<h2 class="ltx_title ltx_title_section"><span class="ltx_tag ltx_tag_section">{n} </span>{name}</h2>'
            f'<div id="S{n}.p1" class="ltx_para"><p class="ltx_p">{escape(text)} The loss is '
            f'<math id="S{n}.m1" class="ltx_Math" alttext="\\mathcal{{L}}=\\alpha x" display="inline">'
            f'<semantics><mi>L</mi></semantics></math> here.</p></div>'
            f'<section id="S{n}.SS1" class="ltx_subsection"><h3 class="ltx_title ltx_title_subsection">'
            f'<span class="ltx_tag ltx_tag_subsection">{n}.1 </span>Details of {name}</h3>'
            f'<div class="ltx_para"><p class="ltx_p">More detail about {name.lower()} is given here.</p></div>'
            f"</section></section>"
        )
    note = ""
    if code_url:
        note = ('<span class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">1</sup>'
                '<span class="ltx_note_outer"><span class="ltx_note_content"><sup class="ltx_note_mark">1</sup>'
                f'<span class="ltx_tag ltx_tag_note">1</span>Code is available at '
                f'<a href="{code_url}" class="ltx_ref ltx_url">{code_url}</a>.</span></span></span>')
    return f"""<!DOCTYPE html><html lang="en"><head><title>{escape(title)}</title></head>
<body><div class="ltx_page_main"><div class="ltx_page_content">
<article class="ltx_document ltx_authors_1line">
<h1 class="ltx_title ltx_title_document">{escape(title)}{note}</h1>
<div class="ltx_authors"><span class="ltx_creator ltx_role_author">Ada Lovelace</span></div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p class="ltx_p">{escape(abstract)}</p></div>
{''.join(parts)}
<section id="bib" class="ltx_bibliography"><h2 class="ltx_title ltx_title_bibliography">References</h2>
<ul class="ltx_biblist"><li class="ltx_bibitem">A. Author. A cited paper about baselines. 2020.</li></ul></section>
</article></div></div></body></html>
"""


def make_pdf(title: str, sections=SECTIONS, two_column: bool = False, pages: int = 1,
             code_url: str | None = None) -> bytes:
    """A real PDF with numbered section headings, optionally in two columns."""
    doc = pymupdf.open()
    width, height = 612, 792
    blocks = [(f"{n} {name}", text * (1 if pages == 1 else 3)) for n, (name, text) in
              enumerate(sections, start=1)]
    blocks.append(("References", "[1] A. Author. A cited paper about baselines. 2020."))
    per_page = max(1, -(-len(blocks) // pages))
    for page_no in range(pages):
        page = doc.new_page(width=width, height=height)
        y = 60
        if page_no == 0:
            assert page.insert_textbox(pymupdf.Rect(50, 40, width - 50, 80), title, fontsize=14, align=1) >= 0
            if code_url:
                assert page.insert_textbox(pymupdf.Rect(50, 80, width - 50, 104),
                                           f"Code: {code_url}", fontsize=8) >= 0
            y = 110
        chunk = blocks[page_no * per_page:(page_no + 1) * per_page]
        columns = [(50, width / 2 - 10), (width / 2 + 10, width - 50)] if two_column else [(50, width - 50)]
        per_col = -(-len(chunk) // len(columns)) if chunk else 0
        for c, (x0, x1) in enumerate(columns):
            cy = y
            for heading, text in chunk[c * per_col:(c + 1) * per_col]:
                assert page.insert_textbox(pymupdf.Rect(x0, cy, x1, cy + 24), heading, fontsize=11) >= 0
                cy += 26
                lines = len(text) / ((x1 - x0) / 4.6) + 2
                rect = pymupdf.Rect(x0, cy, x1, cy + lines * 12)
                assert page.insert_textbox(rect, text, fontsize=9) >= 0, "text did not fit"
                cy += lines * 12 + 10
    data = doc.tobytes()
    doc.close()
    return data
