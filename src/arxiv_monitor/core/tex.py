"""TeX in titles and abstracts: text shown as text, math shown as math.

arXiv's feeds carry titles and abstracts as their authors typed them:
``98.15\\%``, ````representation trajectory''``, ``\\textbf{…}``, ``$p(a \\mid v)$``.
``plain`` turns the text parts into what a reader expects (``98.15%``, “…”,
the bold word) and leaves ``$…$`` math alone. ``mathml`` renders one piece of
math as MathML (latex2mathml), which browsers and most mail clients show
without scripts; its output is rebuilt from an allow-list of MathML elements
and attributes, so no markup from the input survives.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

MATH = re.compile(r"(?<!\\)\$([^$]{1,400})(?<!\\)\$")
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
            "r": "\u030a"}
_LETTERS = {"o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł",
            "i": "ı", "oe": "œ", "OE": "Œ"}
_ACCENT_RE = re.compile(r"\\([\'`^\"~=.]|[cvuHkr](?=[\s{]))\s*\{?\\?([A-Za-z])\}?")
_LETTER_RE = re.compile(r"\\(ss|ae|AE|aa|AA|oe|OE|[oOlLi])(?![A-Za-z])\s?")
_STYLE_RE = re.compile(r"\\(?:textbf|textit|emph|texttt|textsc|textrm|textsf|underline|mbox|text)\s*\{([^{}]*)\}")
_ESCAPED = {r"\%": "%", r"\&": "&", r"\_": "_", r"\#": "#", r"\$": "$", r"\{": "{", r"\}": "}"}
_MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
                "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
                "mphantom", "menclose", "mfenced", "semantics", "annotation"}
_MATHML_ATTRS = {"display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
                 "accentunder", "movablelimits", "form", "largeop", "symmetric", "columnalign", "rowalign",
                 "linethickness", "width", "height", "depth", "notation", "open", "close", "separators",
                 "displaystyle", "scriptlevel", "minsize", "maxsize", "encoding"}


def detex(text: str) -> str:
    """TeX accents and special letters to Unicode: ``Garc\\'ia`` -> ``García``."""
    text = _ACCENT_RE.sub(lambda m: m.group(2) + _ACCENTS[m.group(1)], text)
    text = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)
    return unicodedata.normalize("NFC", text)


def _plain_part(text: str) -> str:
    text = detex(text)
    for _ in range(3):  # nested styles
        text = _STYLE_RE.sub(r"\1", text)
    for tex, char in _ESCAPED.items():
        text = text.replace(tex, char)
    text = re.sub(r"``(.*?)''", "\u201c\\1\u201d", text)
    text = re.sub(r"(?<![\w`])`([^`']{1,80})'(?!\w)", "\u2018\\1\u2019", text)
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", "\u00a0")
    return re.sub(r"\{([^{}$\\]*)\}", r"\1", text)


def plain(text: str) -> str:
    """Title or abstract text without TeX escapes; ``$…$`` math kept as written."""
    out, last = [], 0
    for m in MATH.finditer(text or ""):
        out += [_plain_part(text[last:m.start()]), m.group(0)]
        last = m.end()
    out.append(_plain_part((text or "")[last:]))
    return "".join(out)


def mathml(tex: str) -> Markup | None:
    """Safe MathML for one piece of inline math, or None when it does not convert."""
    from latex2mathml.converter import convert
    from lxml import etree

    try:
        tree = etree.fromstring(convert(tex).encode())
    except Exception:  # latex2mathml raises many kinds of errors on bad input
        return None
    return Markup(_rebuild(tree))


def _rebuild(el) -> str:
    tag = etree_local(el.tag)
    if tag not in _MATHML_TAGS:
        return str(escape("".join(el.itertext())))
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in el.attrib.items() if k in _MATHML_ATTRS)
    inner = str(escape(el.text or "")) + "".join(_rebuild(child) + str(escape(child.tail or "")) for child in el)
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs
    return f"<{tag}{attrs}>{inner}</{tag}>"


def etree_local(tag: object) -> str:
    """An element's name without its namespace."""
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def math_html(text: str) -> Markup:
    """``text`` escaped for HTML, with each ``$…$`` shown as MathML (or as written, if it does not convert)."""
    flat = " ".join((text or "").split())  # white space runs made one space (str.split: as \s+ does)
    if "$" not in flat:
        return Markup(escape(flat))
    out, last = [], 0
    for m in MATH.finditer(flat):
        out.append(str(escape(flat[last:m.start()])))
        rendered = mathml(m.group(1))
        out.append(str(rendered) if rendered else f'<span class="math">{escape(m.group(0))}</span>')
        last = m.end()
    out.append(str(escape(flat[last:])))
    return Markup("".join(out))
