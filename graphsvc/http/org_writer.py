"""Writing organisation documents over HTTP: the work behind ``PUT``/``POST``/``DELETE /orgs/{org}``.

The API routes only translate; this module does the work, in the order that keeps a server
responsive and its store consistent:

1. check the caller (a writer of that organisation, or an admin) and the Content-Type;
2. read the document (YAML or JSON; errors name ``body:LINE`` and the field, never a server path)
   and *prepare* it (:func:`graphsvc.imports.org.prepare_org`: references, ownership of every
   published statement, SHACL, OWL classification) **outside** the server's write lock, since
   that work grows with the document;
3. under the lock: the create-only check, the swap (one transaction,
   :func:`graphsvc.imports.org.commit_org`), keeping the file for later builds, and the audit record.

A refused document changes nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.errors import (
    Conflict,
    DataLoadError,
    GraphSvcError,
    QueryParameterError,
    UnknownTerm,
    UnsupportedMediaType,
)
from graphsvc.http.audit import record_write
from graphsvc.imports.org import commit_org, delete_org, keep_org_files, prepare_org
from graphsvc.namespaces import org_graph
from graphsvc.sources.orgdata import read_org
from graphsvc.store.tenancy import Principal, require_org_writer

#: Content-Types an organisation document may be sent as (JSON is YAML too).
YAML_TYPES = frozenset(
    {"text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml", "application/json", "text/plain"}
)


@dataclass
class Writer:
    """What a server lends to a write: its service, its write lock and what to do after a write."""

    service: Any  # GraphService
    lock: AbstractContextManager[Any]
    after_write: Callable[[], None]


def _org_graphs(org: str) -> tuple[str, str]:
    return org_graph(org), org_graph(org, "published")


def _exists(svc: Any, org: str) -> bool:
    return bool(set(_org_graphs(org)) & set(svc.store.named_graphs()))


def write_org_document(
    w: Writer, principal: Principal, org: str, body: bytes, content_type: str | None, *, create_only: bool
) -> dict[str, Any]:
    """Create (``create_only``) or replace an organisation from its document.

    :raises Forbidden: the caller may not write this organisation.
    :raises UnsupportedMediaType: not sent as YAML or JSON.
    :raises DataLoadError: the document is malformed (``body:LINE: field 'x': …``).
    :raises ValidationError: SHACL violations.
    :raises Conflict: ``create_only`` and the organisation exists.
    """
    require_org_writer(principal, org)
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in YAML_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {kind or '(none)'!r}: send the organisation as text/yaml or application/json"
        )
    svc = w.service
    with tempfile.TemporaryDirectory(prefix="graphsvc-org-") as tmp:
        path = Path(tmp) / f"{org}.yaml"
        path.write_bytes(body)

        def clean(exc: GraphSvcError) -> GraphSvcError:
            fix = lambda m: m.replace(str(path), "body")  # noqa: E731
            return type(exc)(fix(exc.message), errors=[fix(e) for e in exc.errors])

        try:
            od = read_org(path)
            if od.org_id != org:
                raise QueryParameterError(f"the document's organisation.id is {od.org_id!r}, but the path says {org!r}")
            if create_only and _exists(svc, org):
                raise Conflict(f"organisation {org!r} exists already; PUT replaces it")
            prepared = prepare_org(svc, od)
        except GraphSvcError as exc:
            raise clean(exc) from None
        except Exception as exc:  # a document the reader does not expect is still the caller's error
            why = str(exc).replace(str(path), "body")
            raise DataLoadError(f"body: not an organisation document ({type(exc).__name__}: {why})") from None
        with w.lock:
            existed = _exists(svc, org)
            if create_only and existed:
                raise Conflict(f"organisation {org!r} exists already; PUT replaces it")
            try:
                report = commit_org(svc, prepared)
                keep_org_files(svc, org, path)
            finally:
                w.after_write()
            record_write(
                svc.settings.data_path,
                principal,
                "org POST" if create_only else "org PUT",
                report.graphs,
                triples=report.triples,
            )
    return {"ok": True, "organisation": org, "created": not existed, "triples": report.triples, "graphs": report.graphs}


def delete_org_document(w: Writer, principal: Principal, org: str) -> dict[str, Any]:
    """Remove an organisation's graphs (private and published) in one transaction.

    :raises Forbidden: the caller may not write this organisation.
    :raises UnknownTerm: no such organisation.
    """
    require_org_writer(principal, org)
    svc = w.service
    with w.lock:
        if not _exists(svc, org):
            raise UnknownTerm(f"no organisation {org!r} in the store")
        try:
            report = delete_org(svc, org)
        finally:
            w.after_write()
        record_write(svc.settings.data_path, principal, "org DELETE", report.graphs, triples=0)
    return {"ok": True, "organisation": org, "created": False, "triples": 0, "graphs": report.graphs}
