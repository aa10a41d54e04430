"""``python -m arxiv_monitor``: the same as the ``arxiv-monitor`` command."""

from .cli import main

main()
