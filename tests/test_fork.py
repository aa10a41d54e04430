"""A fork run by GitHub Actions, as far as it runs without GitHub: the workflow's env block
over a committed config (nothing it does not set changes the config), secrets the config
names passed through one bundle, the state kept on a branch (packed and unpacked, checked),
ratings exported from the static site imported by the next run, and the README's walk-through
followed step by step."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from arxiv_monitor.core.config import load_config
from arxiv_monitor.store import open_store
from tests.fakes import Reply
from tests.helpers import PAPERS, VLA, WED, invoke, serve_day, write_feed

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "daily.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars|github)\.([A-Za-z_]+)\s*\}\}")

COMMITTED = """[llm]
base_url = "https://llm.lab.example/v1"
model = "lab-model-7b"

[email]
enabled = true
host = "smtp.lab.example"
username = "monitor@lab.example"
password = "env:SMTP_PASSWORD"
sender = "monitor@lab.example"
recipients = ["me@lab.example"]

[[webhooks]]
name = "lab-feishu"
kind = "feishu"
url = "env:FEISHU_HOOK"
"""


def workflow_env(secrets: dict[str, str], variables: dict[str, str], workspace: Path) -> dict[str, str]:
    """The digest job's env block, as GitHub Actions evaluates it: an unset secret or variable is ""."""
    env = yaml.safe_load(WORKFLOW.read_text())["jobs"]["digest"]["env"]
    values = {"secrets": secrets, "vars": variables, "github": {"workspace": str(workspace)}}

    def evaluate(text: str) -> str:
        return EXPRESSION.sub(lambda m: values[m.group(1)].get(m.group(2), ""), str(text))
    return {name: evaluate(value) for name, value in env.items()}


def test_every_env_value_of_the_workflow_is_passed_through_not_computed():
    env = yaml.safe_load(WORKFLOW.read_text())["jobs"]["digest"]["env"]
    for name, value in env.items():
        rest = EXPRESSION.sub("", str(value))
        assert "${{" not in rest, f"{name} computes a value ({value}): an unset input would override config.toml"


def test_the_workflow_env_over_a_committed_config_keeps_its_llm_and_email_settings(tmp_path, monkeypatch):
    home = tmp_path / "state"
    home.mkdir()
    (home / "config.toml").write_text(COMMITTED, encoding="utf-8")
    env = workflow_env({"LLM_API_KEY": "sk-only-the-key-is-set"}, {}, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = load_config()
    assert (config.llm.base_url, config.llm.model) == ("https://llm.lab.example/v1", "lab-model-7b")
    assert config.llm.api_key.get_secret_value() == "sk-only-the-key-is-set"
    assert config.email.enabled and config.email.host == "smtp.lab.example"
    assert config.email.password.get_secret_value() == "env:SMTP_PASSWORD"  # not set: e-mail disabled, said once
    bundle = "# one line per secret the config names\nSMTP_PASSWORD=pw-from-the-bundle\nFEISHU_HOOK=https://open.feishu.cn/hook/x\n"
    for name, value in workflow_env({"LLM_API_KEY": "sk-x", "ARXIV_MONITOR_SECRETS": bundle},
                                    {"LLM_MODEL": "override-model"}, tmp_path).items():
        monkeypatch.setenv(name, value)
    config = load_config()
    assert config.email.password.get_secret_value() == "pw-from-the-bundle"
    assert config.webhooks[0].url.get_secret_value() == "https://open.feishu.cn/hook/x"
    assert config.llm.model == "override-model"  # a variable that is set does override
    assert "pw-from-the-bundle" in config.secrets()  # and is masked everywhere


def test_a_webhook_whose_secret_is_unset_is_disabled_with_one_warning_and_the_run_succeeds(tmp_path, home, arxiv,
                                                                                           monkeypatch):
    serve_day(arxiv)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[[webhooks]]\nname = "lab-feishu"\nkind = "feishu"\nurl = "env:FEISHU_HOOK"\n',
                                      encoding="utf-8")
    monkeypatch.setenv("FEISHU_HOOK", "")  # as Actions sets a secret the fork does not have
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0, result.output
    assert result.output.count("FEISHU_HOOK") == 1 and "UnsupportedProtocol" not in result.output
    with open_store(load_config()) as store:
        assert store.count("deliveries") == 0


def run_day(tmp_path, arxiv) -> None:
    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0


def test_the_state_goes_to_a_branch_and_comes_back_whole(tmp_path, home, arxiv):
    run_day(tmp_path, arxiv)
    with open_store(load_config()) as store:
        before = {t: store.count(t) for t in ("papers", "day_papers", "analyses", "fulltexts")}
    branch = tmp_path / "state-branch"
    assert invoke("state", "pack", str(branch)).exit_code == 0
    info = json.loads((branch / "STATE.json").read_text())
    assert info["parts"] == ["arxiv-monitor.db.gz.000"] and (branch / "reports" / "2026-02-02.md").exists()
    assert all(p.stat().st_size < 100 * 1024 * 1024 for p in branch.rglob("*") if p.is_file())
    subprocess.run(["git", "init", "-q", str(branch)], check=True)  # a branch can hold it
    subprocess.run(["git", "-C", str(branch), "add", "--all"], check=True)
    for path in home.iterdir():  # the runner starts empty
        if path.is_file():
            path.unlink()
    assert invoke("state", "unpack", str(branch)).exit_code == 0
    with open_store(load_config()) as store:
        assert {t: store.count(t) for t in before} == before
    part = branch / "arxiv-monitor.db.gz.000"
    part.write_bytes(part.read_bytes()[:-100])  # an unfinished push
    db = load_config().db_path
    kept = db.read_bytes()
    with pytest.raises(Exception, match="cannot be read|does not match"):
        invoke("state", "unpack", str(branch))
    assert db.read_bytes() == kept


def test_old_downloads_are_pruned_and_new_ones_kept(tmp_path, home, arxiv):
    run_day(tmp_path, arxiv)
    cache = load_config().cache_path
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files
    old = files[0]
    os.utime(old, (0, 0))
    result = invoke("state", "prune-cache", "--days", "30")
    assert result.exit_code == 0 and "Removed 1 cached file" in result.output
    assert not old.exists() and all(p.exists() for p in files[1:])


def test_ratings_exported_from_the_static_site_are_imported_once(tmp_path, home, arxiv):
    run_day(tmp_path, arxiv)
    exported = {"version": 1, "ratings": [
        {"paper": VLA.arxiv_id, "topic": "VLA", "rating": "bad", "at": "2026-02-02T08:00:00Z"},
        {"paper": VLA.arxiv_id, "topic": "VLA", "rating": "good", "at": "2026-02-02T08:05:00Z"},  # the last word
        {"paper": WED.arxiv_id, "topic": "TRAFFIC_ST", "rating": "good", "at": "2026-02-02T08:01:00Z"},
        {"paper": "2601.99999", "topic": "VLA", "rating": "good", "at": "2026-02-02T08:02:00Z"},
        {"paper": WED.arxiv_id, "topic": "NOPE", "rating": "good", "at": "2026-02-02T08:03:00Z"}]}
    path = tmp_path / "ratings.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    first = invoke("rate", "--import", str(path))
    assert "2 rating(s) applied" in first.output and "2 skipped" in first.output
    assert "2601.99999 / VLA: not a stored paper" in first.output and "no topic 'NOPE'" in first.output
    with open_store(load_config()) as store:
        assert sorted((r.paper_id, r.topic, r.good) for r in store.ratings.all()) == \
            sorted([(WED.arxiv_id, "TRAFFIC_ST", True), (VLA.arxiv_id, "VLA", True)])
    again = invoke("rate", "--import", str(path))
    assert "0 rating(s) applied" in again.output
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(Exception, match="is not JSON"):
        invoke("rate", "--import", str(path))


def test_init_repo_writes_a_config_for_the_fork_with_its_pages_address(tmp_path, monkeypatch):
    repo = tmp_path / "fork"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", "https://github.com/Alice/arxiv-monitor.git"],
                   check=True)
    monkeypatch.chdir(repo)
    result = invoke("init", "--repo")
    assert result.exit_code == 0 and str(repo / "config.toml") in result.output
    text = (repo / "config.toml").read_text(encoding="utf-8")
    assert '[site]\nbase_url = "https://alice.github.io/arxiv-monitor"' in text
    assert load_config(repo / "config.toml").site.base_url == "https://alice.github.io/arxiv-monitor"


def readme_walkthrough() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("#### Fork and configure", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_the_readme_walkthrough_runs_as_written(tmp_path, arxiv):
    """Each shell block of "Fork and configure", run in order in a fresh clone-like folder with the
    loopback arXiv: init, secrets, a day, the state branch, the site, a rating imported."""
    blocks = readme_walkthrough()
    assert len(blocks) >= 4
    repo = tmp_path / "fork"
    repo.mkdir()
    serve_day(arxiv)
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, write_feed(tmp_path, PAPERS).read_text())
    (repo / "ratings.json").write_text(json.dumps({"version": 1, "ratings": [  # as the site's export button writes it
        {"paper": VLA.arxiv_id, "topic": "VLA", "rating": "good", "at": "2026-02-02T08:00:00Z"}]}), encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ARXIV_MONITOR_")},
           "PATH": f"{Path(os.sys.executable).parent}:{os.environ['PATH']}",
           "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api/query", "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html",
           "ARXIV_MONITOR_ARXIV_PDF_URL": f"{arxiv.url}/pdf", "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0",
           "ARXIV_MONITOR_ARXIV_RSS_URL": f"{arxiv.url}/rss", "ARXIV_MONITOR_RELEVANCE_RANKER": "keywords"}
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    script = "\n".join(blocks)  # one shell session, as a reader types them
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    assert (repo / "config.toml").exists() and (repo / "state-branch" / "STATE.json").exists()
    assert (repo / "state" / "site" / "index.html").exists()
    with open_store(repo / "state" / "arxiv-monitor.db") as store:
        assert store.ratings.of_paper(VLA.arxiv_id) == {"VLA": True}
