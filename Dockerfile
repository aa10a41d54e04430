# arxiv-monitor as a service on a lab server: the daily schedule, /healthz and the reading room.
#   docker build -t arxiv-monitor .
#   docker run -d --name arxiv-monitor -v arxiv-monitor:/data -p 127.0.0.1:8787:8787 \
#     -p 127.0.0.1:8000:8000 -e ARXIV_MONITOR_WEB_TOKEN=a-long-secret \
#     -e ARXIV_MONITOR_LLM_API_KEY=sk-... arxiv-monitor
# The reading room listens on all of the container's addresses, so it needs a token
# (ARXIV_MONITOR_WEB_TOKEN; the first visit shows a login page); without one, set
# ARXIV_MONITOR_WEB_ENABLED=false to run the schedule alone.
# The data directory (/data: config.toml, the SQLite store, the download cache, the reports)
# is a volume, so an upgraded image finds everything where it was.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARXIV_MONITOR_HOME=/data \
    ARXIV_MONITOR_SCHEDULE_HEALTHZ_HOST=0.0.0.0 \
    ARXIV_MONITOR_SCHEDULE_HEALTHZ_PORT=8787 \
    ARXIV_MONITOR_WEB_HOST=0.0.0.0 \
    ARXIV_MONITOR_WEB_PORT=8000

RUN useradd --create-home --uid 10001 monitor && mkdir /data && chown monitor /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# with the lab extra (PostgreSQL), so one image serves one person or a lab (docker-compose.yml);
# this is the project itself, its dependencies' ranges pinned in pyproject.toml
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-compile ".[lab]" && rm -rf /app/src

USER 10001
VOLUME ["/data"]
EXPOSE 8787 8000

HEALTHCHECK --interval=60s --timeout=5s --start-period=30s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8787/healthz', timeout=4)"]

CMD ["arxiv-monitor", "serve"]
