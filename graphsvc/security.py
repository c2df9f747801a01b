"""API keys, roles and tenants, and which named graphs a caller may read or write.

A caller is a :class:`Principal`: anonymous, or the holder of an API key sent as
``Authorization: Bearer KEY`` (the header every SPARQL 1.1 client can send). A key has a
role and, for readers and writers, a tenant (an organisation id):

========== ===================================================================================
role       may
========== ===================================================================================
reader     read the public graphs and, with a tenant, its own organisation's private graph
writer     the same, and write its own organisation's graphs (``gsg:org/<tenant>`` and
           ``gsg:org/<tenant>/published``); a writer always has a tenant
admin      read and write every graph, the store's default graph included
anonymous  read the public graphs, when ``settings.anonymous`` is on
========== ===================================================================================

The public graphs are every graph but the organisations' private ones (``gsg:org/<id>``
without ``/published``): catalogs, date layers, mapping sets, derived and inferred triples,
and what each organisation publishes to its customers.

Keys live in ``<data_dir>/keys.json``, hashed with scrypt and a per-key salt; the file is
replaced atomically, and a running server sees a key created or revoked by ``graphsvc keys``
on its next request. A key reads ``gsk_<id>_<secret>``: the id finds the record without
hashing, the secret is only ever compared by its scrypt hash. A verified key is remembered
(bounded, :data:`VERIFIED_CACHE`) by the SHA-256 of the token, together with the hash of the
record it matched: it is checked again only when that record changes (revoked, removed,
replaced), not when another key is created or revoked. :meth:`KeyStore.lookup` does the cheap
part (parse, find the record, the cache) and :meth:`KeyStore.verify` the scrypt, so a server can
run the second in a thread (:mod:`graphsvc.keyverify`).

>>> p = Principal(key_id="k1", role="writer", tenant="acme", name="ci")
>>> can_write(p, "https://w3id.org/graphsvc/graph/org/acme")
True
>>> can_read(p, "https://w3id.org/graphsvc/graph/org/other")
False
>>> can_read(ANONYMOUS, "https://w3id.org/graphsvc/graph/org/other/published")
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import AuthError, ConfigError, Forbidden, QueryParameterError
from graphsvc.namespaces import PUBLIC_UNION, UNION_PREFIX, graph_iri

ROLES = ("reader", "writer", "admin")
ORG_PREFIX = graph_iri("org/")
KEY_PREFIX = "gsk_"
_ID_LEN = 12
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: scrypt cost: n=2**14, r=8 (16 MiB, tens of milliseconds). Paid once per key per process:
#: a verified key is remembered (by its SHA-256) while its record in keys.json is unchanged.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
#: Most verified keys remembered at once (least recently used first out).
VERIFIED_CACHE = 1024

DEFAULT_GRAPH = "DEFAULT"
#: Private graphs of an organisation besides ``gsg:org/<id>``: its imported control catalog and
#: its own mapping set (proposals and reviews), see graphsvc.controls_import and graphsvc.review.
ORG_PRIVATE_PARTS = frozenset({"controls", "mappings"})  # the store's default graph, in read and write sets


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's id, role and tenant, or anonymous."""

    key_id: str | None
    role: str  # reader | writer | admin | anonymous
    tenant: str | None = None
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_anonymous(self) -> bool:
        return self.role == "anonymous"

    @property
    def may_write(self) -> bool:
        return self.role in {"writer", "admin"}

    @property
    def scope(self) -> str:
        """What the caller may read, as a cache key: ``admin``, ``tenant:<id>`` or ``public``."""
        if self.is_admin:
            return "admin"
        return f"tenant:{self.tenant}" if self.tenant else "public"


ANONYMOUS = Principal(key_id=None, role="anonymous", name="anonymous")


# -- graph policy -----------------------------------------------------------------------
def org_of_graph(graph: str) -> tuple[str, bool] | None:
    """``(org id, published)`` for an organisation graph, None for any other graph.

    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/published")
    ('acme', True)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/mappings")
    ('acme', False)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/../beta")
    ('acme/../beta', False)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/framework/iso42001-2023") is None
    True
    """
    if not graph.startswith(ORG_PREFIX):
        return None
    rest = graph[len(ORG_PREFIX) :]
    org, _, part = rest.partition("/")
    if part == "published":
        return org, True
    if part in ORG_PRIVATE_PARTS:  # gsg:org/<id>/controls, …/mappings: private parts of <id>
        return org, False
    return rest, False  # any other path names no tenant ("acme/../beta" is not acme's)


def is_public_graph(graph: str) -> bool:
    org = org_of_graph(graph)
    return org is None or org[1]


def can_read(principal: Principal, graph: str) -> bool:
    """May the caller read this named graph (or :data:`DEFAULT_GRAPH`)?

    Of the graphs the store keeps itself (:mod:`graphsvc.unions`) everyone may read the union
    of the public graphs, only an admin the rest (the union of the private graphs).
    """
    if principal.is_admin or graph == DEFAULT_GRAPH:
        return True
    if graph.startswith(UNION_PREFIX):
        return graph == PUBLIC_UNION
    org = org_of_graph(graph)
    if org is None or org[1]:
        return True
    return principal.tenant is not None and org[0] == principal.tenant


def can_write(principal: Principal, graph: str) -> bool:
    """May the caller write this named graph (or :data:`DEFAULT_GRAPH`)? Nobody writes the
    graphs the store keeps itself (:mod:`graphsvc.unions`), an admin neither."""
    if graph.startswith(UNION_PREFIX):
        return False
    if principal.is_admin:
        return True
    if principal.role != "writer" or not principal.tenant or graph == DEFAULT_GRAPH:
        return False
    org = org_of_graph(graph)
    return org is not None and org[0] == principal.tenant


def readable(principal: Principal, graphs: Iterable[str]) -> list[str]:
    return [g for g in graphs if can_read(principal, g)]


def tenant_default(readable_graphs: Iterable[str]) -> list[str]:
    """A non-admin caller's default graph in a store that keeps union graphs
    (:mod:`graphsvc.unions`): the union of the public graphs and the caller's own private
    graphs, given the graphs it may read. A few graphs, whatever the number of tenants."""
    own = sorted(g for g in readable_graphs if not is_public_graph(g) and not g.startswith(UNION_PREFIX))
    return [PUBLIC_UNION, *own]


def require_read(principal: Principal, graphs: Iterable[str], what: str = "read") -> None:
    """:raises Forbidden: some graph is another tenant's private graph."""
    bad = sorted(g for g in graphs if not can_read(principal, g))
    if bad:
        raise Forbidden(f"may not {what} {', '.join(bad)}: it is another organisation's private graph")


def refuse_internal_writes(graphs: Iterable[str]) -> None:
    """:raises Forbidden: one of the graphs is kept by the store itself (an admin may not write it either)."""
    internal = sorted(g for g in graphs if g.startswith(UNION_PREFIX))
    if internal:
        raise Forbidden(
            f"may not write {', '.join(internal)}: the store keeps it itself, as the union of other graphs; "
            "write those graphs"
        )


def require_write(principal: Principal, graphs: Iterable[str]) -> None:
    """:raises Forbidden: the caller may not write one of the graphs."""
    if not principal.may_write:
        raise Forbidden("this needs a writer or admin key")
    graphs = list(graphs)
    refuse_internal_writes(graphs)
    bad = sorted(g for g in graphs if not can_write(principal, g))
    if bad:
        mine = (
            f"{ORG_PREFIX}{principal.tenant} and {ORG_PREFIX}{principal.tenant}/published"
            if principal.tenant
            else "none"
        )
        names = ", ".join("the default graph" if g == DEFAULT_GRAPH else g for g in bad)
        raise Forbidden(f"may not write {names}; this key may write {mine}")


def require_org_writer(principal: Principal, org_id: str) -> None:
    """:raises Forbidden: the caller is neither that organisation's writer nor an admin."""
    require_write(principal, [graph_iri(f"org/{org_id}"), graph_iri(f"org/{org_id}/published")])


# -- keys -----------------------------------------------------------------------------
@dataclass
class KeyRecord:
    id: str
    name: str
    role: str
    tenant: str | None
    created: str
    salt: str
    hash: str
    revoked: str | None = None
    kdf: dict[str, int] = field(default_factory=lambda: dict(SCRYPT))

    def public(self) -> dict[str, Any]:
        """The record without salt and hash (what ``keys list`` shows)."""
        return {k: v for k, v in asdict(self).items() if k not in {"salt", "hash", "kdf"}}

    def principal(self) -> Principal:
        return Principal(key_id=self.id, role=self.role, tenant=self.tenant, name=self.name)


@dataclass(frozen=True)
class KeyCheck:
    """A token whose record was found: ``principal`` is set when it was verified before."""

    record: KeyRecord
    secret: str = field(repr=False)
    digest: bytes = field(repr=False)
    principal: Principal | None


def _hash(secret: str, salt: bytes, kdf: Mapping[str, int]) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=kdf["n"], r=kdf["r"], p=kdf["p"], dklen=32)


def _split(token: str) -> tuple[str, str] | None:
    if not token.startswith(KEY_PREFIX) or len(token) < len(KEY_PREFIX) + _ID_LEN + 2:
        return None
    key_id = token[len(KEY_PREFIX) : len(KEY_PREFIX) + _ID_LEN]
    if token[len(KEY_PREFIX) + _ID_LEN] != "_":
        return None
    return key_id, token[len(KEY_PREFIX) + _ID_LEN + 1 :]


class KeyStore:
    """API keys in a JSON file, hashed; safe to share between a server and the CLI.

    >>> import tempfile, pathlib
    >>> ks = KeyStore(pathlib.Path(tempfile.mkdtemp()) / "keys.json")
    >>> rec, token = ks.create("reader", tenant="acme", name="dashboard")
    >>> ks.authenticate(token).tenant
    'acme'
    >>> _ = ks.revoke(rec.id)
    >>> ks.authenticate(token)
    Traceback (most recent call last):
    ...
    graphsvc.errors.AuthError: this API key has been revoked
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: dict[str, KeyRecord] = {}
        #: sha256(token) -> (key id, the record's hash when it was verified), least recently used first
        self._verified: OrderedDict[bytes, tuple[str, str]] = OrderedDict()
        self.verified_cache = VERIFIED_CACHE
        self.scrypt_runs = 0  # how often a secret was hashed (the cache's test and bench read it)

    # -- file ---------------------------------------------------------------------
    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _load(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp and (stamp is not None or not self._records):
            return
        records: dict[str, KeyRecord] = {}
        if stamp is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for item in data.get("keys", []):
                    rec = KeyRecord(**item)
                    records[rec.id] = rec
            except (OSError, ValueError, TypeError) as exc:
                raise ConfigError(f"{self.path}: cannot read the API keys: {exc}") from exc
        self._records = records
        self._stamp = stamp

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"keys": [asdict(r) for r in self._records.values()]}, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".keys-", suffix=".json", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._stamp = self._current_stamp()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """This process's lock and a file lock, so two processes never lose each other's keys."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                self._stamp = None  # re-read under the lock
                self._load()
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    # -- commands -------------------------------------------------------------------
    def create(self, role: str, *, tenant: str | None = None, name: str = "") -> tuple[KeyRecord, str]:
        """Make a key; returns its record and the token, which is shown once and never stored.

        :raises QueryParameterError: an unknown role, a malformed tenant, a writer without tenant.
        """
        if role not in ROLES:
            raise QueryParameterError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        if tenant is not None and not _TENANT.match(tenant):
            raise QueryParameterError(f"tenant {tenant!r}: expected an organisation id (letters, digits, . _ -)")
        if role == "writer" and not tenant:
            raise QueryParameterError("a writer key needs --tenant (the organisation id it may write)")
        if role == "admin":
            tenant = None
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with self._exclusive():
            key_id = secrets.token_hex(_ID_LEN // 2)
            while key_id in self._records:
                key_id = secrets.token_hex(_ID_LEN // 2)
            rec = KeyRecord(
                id=key_id,
                name=name,
                role=role,
                tenant=tenant,
                created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                salt=salt.hex(),
                hash=_hash(secret, salt, SCRYPT).hex(),
            )
            self._records[key_id] = rec
            self._save()
        return rec, f"{KEY_PREFIX}{key_id}_{secret}"

    def list(self) -> list[KeyRecord]:
        with self._lock:
            self._load()
            return list(self._records.values())

    def revoke(self, key_id: str) -> KeyRecord:
        """:raises QueryParameterError: no key with that id."""
        with self._exclusive():
            rec = self._records.get(key_id)
            if rec is None:
                raise QueryParameterError(f"no API key with id {key_id!r}; `graphsvc keys list` shows them")
            if rec.revoked is None:
                rec.revoked = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
                self._save()
            return rec

    def lookup(self, token: str) -> KeyCheck:
        """The cheap part of :meth:`authenticate`: parse the token, find its record, and the cache.

        :raises AuthError: malformed, unknown or revoked key.
        """
        parts = _split(token.strip())
        if parts is None:
            raise AuthError("malformed API key (expected gsk_…, as printed by `graphsvc keys create`)")
        key_id, secret = parts
        digest = hashlib.sha256(token.strip().encode("utf-8")).digest()
        with self._lock:
            self._load()
            rec = self._records.get(key_id)
            if rec is None:
                raise AuthError("unknown API key")
            if rec.revoked is not None:
                raise AuthError("this API key has been revoked")
            known = self._verified.get(digest)
            if known is not None and known == (key_id, rec.hash):
                self._verified.move_to_end(digest)
                return KeyCheck(rec, secret, digest, rec.principal())
            if known is not None:
                del self._verified[digest]  # the record changed since
        return KeyCheck(rec, secret, digest, None)

    def verify(self, check: KeyCheck) -> Principal:
        """The expensive part: compare the secret by its scrypt hash, and remember a match.

        :raises AuthError: a wrong secret.
        """
        if check.principal is not None:
            return check.principal
        rec = check.record
        with self._lock:
            self.scrypt_runs += 1
        expected = bytes.fromhex(rec.hash)
        if not hmac.compare_digest(_hash(check.secret, bytes.fromhex(rec.salt), rec.kdf), expected):
            raise AuthError("unknown API key")
        with self._lock:
            self._verified[check.digest] = (rec.id, rec.hash)
            self._verified.move_to_end(check.digest)
            while len(self._verified) > max(1, self.verified_cache):
                self._verified.popitem(last=False)
        return rec.principal()

    def authenticate(self, token: str) -> Principal:
        """The principal a token stands for (:meth:`lookup`, then :meth:`verify` if not remembered).

        :raises AuthError: malformed, unknown or revoked key, or a wrong secret.
        """
        return self.verify(self.lookup(token))


def principal_for(keys: KeyStore, authorization: str | None, *, anonymous: bool) -> Principal:
    """The caller of a request, from its ``Authorization`` header.

    :raises AuthError: a bad key, a non-Bearer scheme, or no key where anonymous access is off.
    """
    if not authorization:
        if anonymous:
            return ANONYMOUS
        raise AuthError("anonymous access is turned off: send Authorization: Bearer KEY")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("use Authorization: Bearer KEY")
    return keys.authenticate(token)


# -- a store that only shows what a caller may read ------------------------------------------
class ScopedStore:
    """A read view of a store restricted to the graphs a principal may read.

    Domain functions (coverage, crosswalk, applicability) run on a GraphService built over
    this view, so a REST answer for a tenant is computed from exactly the graphs its SPARQL
    queries could read: every query gets an explicit dataset, and a caller's explicit
    ``graphs=`` list is intersected with what it may read. Writes are refused; they go
    through the unscoped service.
    """

    def __init__(self, base: Any, principal: Principal) -> None:
        self.base = base
        self.principal = principal
        self._allowed: list[str] | None = None

    def allowed(self) -> list[str]:
        if self._allowed is None:
            self._allowed = readable(self.principal, self.base.named_graphs())
        return self._allowed

    def _graphs(self, graphs: Sequence[str] | None) -> list[str]:
        allowed = self.allowed()
        if graphs is None:
            return allowed
        ok = set(allowed)
        return [g for g in graphs if g in ok]

    def _default(self, graphs: Sequence[str] | None) -> dict[str, Any]:
        """The whole view's default graph through the union graphs, when the store keeps them."""
        if graphs is None and getattr(self.base, "has_unions", False):
            return {"default_graph": tenant_default(self.allowed())}
        return {}

    def select(self, query: str, *, bindings: Any = None, graphs: Sequence[str] | None = None) -> Any:
        return self.base.select(query, bindings=bindings, graphs=self._graphs(graphs), **self._default(graphs))

    def ask(self, query: str, *, bindings: Any = None, graphs: Sequence[str] | None = None) -> bool:
        return bool(self.base.ask(query, bindings=bindings, graphs=self._graphs(graphs), **self._default(graphs)))

    def raw_query(
        self, query: str, *, default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
    ) -> Any:
        default = self._default(default_graph).get("default_graph") or self._graphs(default_graph)
        return self.base.raw_query(query, default_graph=default, named_graphs=self._graphs(named_graphs))

    def named_graphs(self) -> list[str]:
        return list(self.allowed())

    def triples(self, graph: str) -> Iterator[Any]:
        if graph not in set(self.allowed()):
            return iter(())
        return self.base.triples(graph)

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return sum(self.base.count(g) for g in self.allowed())
        return self.base.count(graph) if graph in set(self.allowed()) else 0

    def update(self, update: str, *, written: Any = None) -> None:
        raise Forbidden("a scoped view is read-only")

    def replace_graphs(self, graphs: Any) -> None:
        raise Forbidden("a scoped view is read-only")

    def drop_graphs(self, graphs: Any) -> None:
        raise Forbidden("a scoped view is read-only")

    def close(self) -> None:  # the base store is closed by its owner
        pass
