"""Inert Markdown: text from feeds and LLMs that no Markdown viewer turns into markup.

Many viewers render Markdown with raw HTML enabled, so the Markdown report
must not pass through HTML, ``javascript:`` links or remote images from a
feed or a model. Plain text (titles, abstracts, authors, reasons) is escaped
with backslashes; an LLM's Markdown keeps its emphasis and lists, but raw
HTML is escaped, links keep only http(s) targets, and images become their
alt text. ``Md`` marks a string as already safe, so the report template
escapes everything else by default (``finalize``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_SPECIAL = re.compile(r"([\\`<>\[\]])")
_BLOCK_START = re.compile(r"^([#>]|\d+\.\s|[-*+]\s|=+$|-+$)")
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^(\s{0,3})\[([^\]\n]+)\]:", re.MULTILINE)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\s]*)>")


class Md(str):
    """Markdown that is safe to put in the report as it is."""


def escape(text: object) -> Md:
    """Plain text with Markdown's active characters escaped (backslash, code, HTML, links)."""
    if isinstance(text, Md):
        return text
    return Md(_SPECIAL.sub(r"\\\1", str(text)))


def text(value: str | None) -> Md:
    """One line of inert text: whitespace collapsed, no leading block syntax."""
    flat = re.sub(r"\s+", " ", value or "").strip()
    return Md(_BLOCK_START.sub(r"\\\1", escape(flat)))


def cell(value: str | None) -> Md:
    """Inert text for a table cell or a link label."""
    return Md(text(value).replace("|", "\\|"))


def url(value: str | None) -> Md:
    """A link target: http(s) only, with the characters that would end it percent-encoded."""
    value = (value or "").strip()
    if not re.match(r"https?://", value, re.IGNORECASE):
        return Md("")
    return Md(quote(value, safe=":/?#@!$&'*+,;=%-._~"))


def link(label: str, target: str | None) -> Md:
    """``[label](target)``, or the plain label when the target is not http(s)."""
    href = url(target)
    return Md(f"[{cell(label)}]({href})") if href else cell(label)


def inert(markdown: str) -> Md:
    """An LLM's Markdown made inert: raw HTML escaped, links http(s) only, no images."""
    def keep_link(m: re.Match[str]) -> str:
        bang, label, target = m.groups()
        if bang or not url(target):
            return label.replace("[", "\\[").replace("]", "\\]")
        return f"[{label}]({url(target)})"

    body = _AUTOLINK.sub(lambda m: m.group(1) if url(m.group(1)) else escape(m.group(0)), markdown)
    body = _LINK.sub(keep_link, body)
    body = body.replace("<", "\\<").replace(">", "\\>")
    body = _REF_DEF.sub(lambda m: f"{m.group(1)}\\[{m.group(2)}]:", body)
    return Md(body.replace("![", "!\\["))
