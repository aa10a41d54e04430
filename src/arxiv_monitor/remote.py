"""The CLI as a member of a lab server: what it asks of the server (``lab.url``) over HTTP,
signed with the member's API token (``lab.token``), as their account. The server answers in
JSON; its refusals become one line that says what to do."""

from __future__ import annotations

from typing import Any

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import ConfigError, MonitorError
from arxiv_monitor.core.ids import page_name
from arxiv_monitor.core.models import Paper
from arxiv_monitor.relevance.feedback import RatingResult


def rate(config: Config, paper_id: str, verdict: str, topic: str | None = None) -> RatingResult:
    """Rate a paper on the lab server, for one of the member's topics (or the paper's best)."""
    found = _post(config, f"/rate/{page_name(paper_id)}", {"verdict": verdict, "topic": topic or ""})
    try:
        paper = Paper(str(found["paper"]), int(found.get("version") or 1), str(found.get("title") or ""), "")
        return RatingResult(paper, str(found["topic"]), str(found["verdict"]), int(found["good"]), int(found["bad"]),
                            str(found.get("chosen") or ""))
    except (KeyError, TypeError, ValueError):
        raise MonitorError(f"The lab server at {config.lab.url} (lab.url) answered something other than a rating: "
                           "is it an arxiv-monitor reading room?") from None


def _post(config: Config, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import httpx

    base, token = config.lab.url.rstrip("/"), config.lab.token.get_secret_value()
    if not token:
        raise ConfigError("lab.url names a lab server and lab.token is empty: set ARXIV_MONITOR_LAB_TOKEN to the API "
                          "token `arxiv-monitor users add` printed for you (or ask the lab's admin for one)")
    try:
        answer = httpx.post(base + path, json=body, timeout=60,
                            headers={"authorization": f"Bearer {token}", "accept": "application/json",
                                     "user-agent": config.user_agent})
    except httpx.HTTPError as exc:
        raise MonitorError(f"The lab server at {base} (lab.url) could not be reached: {exc}") from None
    if answer.status_code == 401:
        raise MonitorError(f"The lab server at {base} refused lab.token: the token is wrong, or the account is "
                           "disabled; ask the lab's admin for a new one")
    if answer.status_code == 403:
        raise MonitorError(f"The lab server at {base} refused: {answer.text.strip()[:200]}")
    try:
        found = answer.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise MonitorError(f"The lab server at {base} (lab.url) answered HTTP {answer.status_code}, not JSON: is "
                           "lab.url its reading room's address?")
    if answer.status_code >= 400:
        raise MonitorError(f"The lab server at {base}: {found.get('error') or answer.reason_phrase}")
    return found
