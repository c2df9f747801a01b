"""``python -m graphsvc``."""

from graphsvc.cli.main import app

app()
