"""Facts about writing systems used across the wings: which characters are Chinese, and
which languages are written in Chinese."""

from __future__ import annotations

# Chinese characters: the unified ideographs, extension A and the compatibility block.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Every East Asian script, where a character carries about what an English word does:
# kana, the ideographs and hangul.
EAST_ASIAN = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af"
EAST_ASIAN_LANGUAGES = {"zh", "ja", "ko"}


def base_language(language: str | None) -> str:
    """``zh`` of ``zh-CN``, ``zh_TW`` or ``ZH``; ``zh`` when none is given."""
    return (language or "zh").strip().lower().replace("_", "-").split("-")[0] or "zh"


def is_chinese(language: str | None) -> bool:
    """Whether labels and analyses in ``language`` are written in Chinese."""
    return base_language(language) == "zh"
