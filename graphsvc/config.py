"""Settings: one frozen dataclass backed by one table of (name, default, help).

Precedence, lowest first: the defaults in :data:`SETTINGS`, a ``graphsvc.toml`` file
(``--config`` or ``GRAPHSVC_CONFIG``), ``GRAPHSVC_<NAME>`` environment variables, and
explicit overrides (CLI flags). This is the only module that reads the environment or
configuration files; everything else receives a :class:`Settings`.

>>> s = load_settings(environ={}, overrides={"port": "9000"})
>>> s.port
9000
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from graphsvc.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "graphsvc")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", None, "Directory of the embedded store and API keys (default: $XDG_DATA_HOME/graphsvc)."),
    Setting("root", str(PROJECT_ROOT), "Project directory holding ontology/, mappings/ and queries/."),
    Setting(
        "org_paths",
        "mappings/examples",
        "Organisation YAML files or folders loaded by build (comma separated; relative to root).",
    ),
    Setting("store_url", "", "SPARQL 1.1 endpoint of a remote store; empty means the embedded store."),
    Setting("store_update_url", "", "SPARQL 1.1 Update endpoint of the remote store; empty means store_url."),
    Setting(
        "store_gsp_url",
        "",
        "Graph Store Protocol endpoint the remote store writes whole graphs to (Virtuoso); empty derives "
        "Virtuoso's from store_url, 'none' writes with SPARQL Update only.",
    ),
    Setting("store_user", "", "User name for the remote store (HTTP basic or digest authentication)."),
    Setting("store_password", "", "Password for the remote store."),
    Setting("store_auth", "auto", "HTTP authentication to the remote store: auto (as the server asks), basic, digest."),
    Setting("store_dialect", "auto", "The remote SPARQL engine: auto, virtuoso, fuseki, graphdb, neptune or generic."),
    Setting(
        "store_union_graph",
        "",
        "How the remote store asks for the union of all graphs: native (the engine's default graph is that "
        "union), list (name every graph in the request), or empty for the engine's usual way.",
    ),
    Setting("store_write_timeout", 600.0, "Seconds one write to the remote store (a graph, a build's load) may take."),
    Setting("host", "127.0.0.1", "Address graphsvc serve listens on."),
    Setting("port", 8000, "Port graphsvc serve listens on."),
    Setting("query_timeout", 30.0, "Seconds a SPARQL query may run before it is stopped."),
    Setting("result_cap", 10000, "Most rows a SPARQL SELECT returns over HTTP."),
    Setting("result_bytes", 32_000_000, "Most bytes a SPARQL answer carries over HTTP (then truncated)."),
    Setting("worker_memory", 2048, "MiB of heap one SPARQL query worker process may use (0: no limit)."),
    Setting("caller_concurrency", 0, "SPARQL queries one API key may run at once (0: all query workers but one)."),
    Setting(
        "anonymous_concurrency",
        0,
        "SPARQL queries all anonymous callers together may run at once (0: workers but one).",
    ),
    Setting("queue_wait", 2.0, "Seconds a SPARQL query beyond its caller's share waits for a slot before a 429."),
    Setting("anonymous", True, "Allow read-only access to public graphs without an API key."),
    Setting("cors_origins", "", "Origins allowed by CORS (comma separated); empty turns CORS off."),
    Setting("body_limit", 10_000_000, "Largest request body in bytes."),
    Setting(
        "law_version",
        "in-force",
        "Default EU AI Act law layer: in-force (the law in force on the date asked about), or a layer id (adopted, amended, proposal-2025).",
    ),
    Setting("chain_depth", 2, "Most mapping hops a derived (chained) mapping may have."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    data_dir: str = ""
    root: str = str(PROJECT_ROOT)
    org_paths: str = "mappings/examples"
    store_url: str = ""
    store_update_url: str = ""
    store_gsp_url: str = ""
    store_user: str = ""
    store_password: str = ""
    store_auth: str = "auto"
    store_dialect: str = "auto"
    store_union_graph: str = ""
    store_write_timeout: float = 600.0
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0
    result_cap: int = 10000
    result_bytes: int = 32_000_000
    worker_memory: int = 2048
    caller_concurrency: int = 0
    anonymous_concurrency: int = 0
    queue_wait: float = 2.0
    anonymous: bool = True
    cors_origins: str = ""
    body_limit: int = 10_000_000
    law_version: str = "in-force"
    chain_depth: int = 2

    @property
    def root_path(self) -> Path:
        return Path(self.root)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def store_path(self) -> Path:
        """The embedded store's directory (a symlink swapped atomically by build)."""
        return self.data_path / "store"

    @property
    def ontology_dir(self) -> Path:
        return self.root_path / "ontology"

    @property
    def mappings_dir(self) -> Path:
        return self.root_path / "mappings"

    @property
    def queries_dir(self) -> Path:
        return self.root_path / "queries"

    def org_path_list(self) -> list[Path]:
        out = []
        for part in self.org_paths.split(","):
            part = part.strip()
            if part:
                p = Path(part)
                out.append(p if p.is_absolute() else self.root_path / p)
        return out


def kept_dir(data_dir: Path, kind: str) -> Path:
    """Where the imports of ``kind`` (``org``, ``aicm``, ``controls``, ``mappings``, ``ciso-assistant``)
    keep their files, so that the next ``graphsvc build`` loads them again: ``<data_dir>/imports/<kind>``."""
    return data_dir / "imports" / kind


def _coerce(name: str, value: Any) -> Any:
    default = _BY_NAME[name].default
    kind = type(default) if default is not None else str
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    text = str(value).strip()
    try:
        if kind is bool:
            if text.lower() in {"1", "true", "yes", "on"}:
                return True
            if text.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError as exc:
        raise ConfigError(f"setting {name!r}: {text!r} is not a valid {kind.__name__}") from exc
    return text


def load_settings(
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults, config file, environment and overrides into :class:`Settings`.

    :raises ConfigError: an unknown key, a value of the wrong type, an unreadable file.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    path = config_file or env.get("GRAPHSVC_CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        for key, value in data.items():
            if key not in _BY_NAME:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value)
    for key, value in env.items():
        if key.startswith("GRAPHSVC_") and key != "GRAPHSVC_CONFIG" and not key.startswith("GRAPHSVC_TEST_"):
            name = key[len("GRAPHSVC_") :].lower()
            if name not in _BY_NAME:
                raise ConfigError(f"environment variable {key}: unknown setting {name!r}")
            values[name] = _coerce(name, value)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _BY_NAME:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, value)
    if not values["data_dir"]:
        values["data_dir"] = _default_data_dir()
    if not str(values["law_version"]).strip():
        raise ConfigError("setting 'law_version' must name a law layer, or be 'in-force'")
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in known})
