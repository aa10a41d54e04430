"""``python -m arxiv_monitor``: the same as the ``arxiv-monitor`` command."""

from arxiv_monitor.cli import main

main()
