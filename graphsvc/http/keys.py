"""API keys: created, listed, revoked and checked; the key file and its cache.

Keys live in ``<data_dir>/keys.json``, hashed with scrypt and a per-key salt; the file is
replaced atomically, and a running server sees a key created or revoked by ``graphsvc keys``
on its next request. A key reads ``gsk_<id>_<secret>``: the id finds the record without
hashing, the secret is only ever compared by its scrypt hash. A verified key is remembered
(bounded, :data:`VERIFIED_CACHE`) by the SHA-256 of the token, together with the hash of the
record it matched: it is checked again only when that record changes (revoked, removed,
replaced), not when another key is created or revoked. :meth:`KeyStore.lookup` does the cheap
part (parse, find the record, the cache) and :meth:`KeyStore.verify` the scrypt, so a server can
run the second in a thread (:mod:`graphsvc.http.keyverify`).
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
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import AuthError, ConfigError, QueryParameterError
from graphsvc.store.tenancy import ANONYMOUS, ROLES, Principal

KEY_PREFIX = "gsk_"
_ID_LEN = 12
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: scrypt cost: n=2**14, r=8 (16 MiB, tens of milliseconds). Paid once per key per process:
#: a verified key is remembered (by its SHA-256) while its record in keys.json is unchanged.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
#: Most verified keys remembered at once (least recently used first out).
VERIFIED_CACHE = 1024


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
