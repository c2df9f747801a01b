"""What an import reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ImportReport:
    kind: str
    name: str
    graphs: dict[str, int]  # graph IRI -> triples written

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())
