"""Token counting: tiktoken where its encoding is available offline, else an estimate.

tiktoken downloads its BPE files on first use; a daily job must not depend
on that, so ``auto`` uses tiktoken only for OpenAI model names whose
encoding file is already in tiktoken's cache, and a model-agnostic estimate
(one token per CJK character, one per four other characters) otherwise.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from arxiv_monitor.core.text import EAST_ASIAN

_CJK = re.compile(f"[{EAST_ASIAN}\u3000-\u303f\uff00-\uffef]")  # and their punctuation
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def estimate_tokens(text: str) -> int:
    """A model-agnostic token estimate: one per CJK character, one per 4 other chars."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def _cached(name: str) -> bool:
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or \
        str(Path(tempfile.gettempdir()) / "data-gym-cache")
    return (Path(cache) / hashlib.sha1(_BLOB.format(name).encode()).hexdigest()).exists()


@lru_cache(maxsize=32)
def counter(model: str, mode: str = "auto") -> Callable[[str], int]:
    """A token counter for ``model``: tiktoken (``tiktoken`` or cached ``auto``) or the estimate."""
    if mode == "estimate":
        return estimate_tokens
    try:
        import tiktoken

        name = tiktoken.encoding_name_for_model(model)
    except (ImportError, KeyError):
        return estimate_tokens
    if mode == "auto" and not _cached(name):
        return estimate_tokens
    encoding = tiktoken.get_encoding(name)
    return lambda text: len(encoding.encode(text, disallowed_special=()))
