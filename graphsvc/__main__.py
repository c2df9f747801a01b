"""``python -m graphsvc``."""

from graphsvc.cli import app

app()
