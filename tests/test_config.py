from pathlib import Path

import pytest

from graphsvc.config import SETTINGS, Settings, load_settings
from graphsvc.errors import ConfigError


def test_precedence_defaults_file_env_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "graphsvc.toml"
    cfg.write_text('port = 9001\nhost = "0.0.0.0"\nquery_timeout = 5\n')
    s = load_settings(config_file=cfg, environ={"GRAPHSVC_PORT": "9002"}, overrides={"query_timeout": "7.5"})
    assert (s.host, s.port, s.query_timeout) == ("0.0.0.0", 9002, 7.5)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "graphsvc.toml"
    cfg.write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        load_settings(config_file=cfg, environ={})
    with pytest.raises(ConfigError, match="GRAPHSVC_NOPE"):
        load_settings(environ={"GRAPHSVC_NOPE": "1"})


def test_bad_types_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="'port'"):
        load_settings(environ={"GRAPHSVC_PORT": "eighty"})
    with pytest.raises(ConfigError, match="'anonymous'"):
        load_settings(environ={"GRAPHSVC_ANONYMOUS": "perhaps"})


def test_every_setting_is_a_field_and_documented() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {s.name for s in SETTINGS} == fields
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for s in SETTINGS:
        assert f"GRAPHSVC_{s.name.upper()}" in readme, f"{s.name} is not documented in the README"
