"""The audit log: one record per write, saying who wrote which graphs, when.

Every path that changes the store calls :func:`record_write` after the write succeeded:
organisation imports and deletions (``PUT``/``POST``/``DELETE /orgs/{org}``, ``graphsvc import``),
Graph Store Protocol writes, and SPARQL Update. A record is one JSON line appended to
``<data_dir>/audit.log`` (and sent to the ``graphsvc.http.audit`` logger)::

    {"time": "2026-12-03T06:01:02Z", "action": "graph-store PUT", "key_id": "e7d888b2b6dc",
     "key_name": "contoso-ci", "role": "writer", "tenant": "contoso",
     "graphs": ["https://w3id.org/graphsvc/graph/org/contoso/published"], "triples": 12}

It names the key by its id and name, never the key or its hash, and holds no data: graph
names and counts only. A line is written with a single ``write`` on a file opened for
appending, so records of concurrent writers never interleave.

>>> import json, tempfile, pathlib
>>> from graphsvc.store.tenancy import Principal
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rec = record_write(d, Principal("k1", "writer", "acme", "ci"), "graph-store PUT", ["urn:g"], triples=3)
>>> json.loads((d / "audit.log").read_text())["key_name"], rec["graphs"]
('ci', ['urn:g'])
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graphsvc.store.tenancy import Principal

__all__ = ["AUDIT_FILE", "CLI", "read_audit", "record_write"]

AUDIT_FILE = "audit.log"
#: The principal of writes made from the command line on the machine itself (no API key).
CLI = Principal(key_id=None, role="admin", tenant=None, name="command line")

log = logging.getLogger("graphsvc.http.audit")


def record_write(
    data_dir: Path,
    principal: Principal,
    action: str,
    graphs: Iterable[str],
    *,
    triples: int | None = None,
    when: dt.datetime | None = None,
) -> dict[str, Any]:
    """Append one audit record for a write that succeeded, and return it.

    ``action`` says what was done (``"org PUT"``, ``"graph-store DELETE"``, ``"sparql update"``);
    ``graphs`` are the graphs it touched; ``triples`` how many it wrote, when known.
    """
    stamp = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    record: dict[str, Any] = {
        "time": stamp.isoformat().replace("+00:00", "Z"),
        "action": action,
        "key_id": principal.key_id,
        "key_name": principal.name,
        "role": principal.role,
        "tenant": principal.tenant,
        "graphs": sorted(set(graphs)),
    }
    if triples is not None:
        record["triples"] = triples
    line = (json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode("utf-8")
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / AUDIT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    log.info("%s", line.decode("utf-8").rstrip("\n"))
    return record


def read_audit(data_dir: Path) -> list[dict[str, Any]]:
    """Every audit record, oldest first (an empty list when nothing was written yet)."""
    path = data_dir / AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
