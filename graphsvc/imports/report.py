"""What an import reports, and where the imported files are kept for the next build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ImportReport:
    kind: str
    name: str
    graphs: dict[str, int]  # graph IRI -> triples written

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def kept_dir(data_dir: Path, kind: str) -> Path:
    return data_dir / "imports" / kind
