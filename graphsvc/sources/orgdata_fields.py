"""The fields of an organisation file's entries, and reading them with the file and line of each error.

:data:`KEYS` lists the keys each kind of entry may have (docs/orgdata.md); :class:`FieldReader`
reads one field of an entry as text, an id, a date, one of a set of values, a list or a boolean,
and fails with ``file:line: field 'name': …`` (the line is the entry's, recorded by
:func:`graphsvc.sources.yamlfiles.load_yaml`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.sources.conditions import ATTRIBUTES
from graphsvc.sources.yamlfiles import LINE

#: The system flags of the EU AI Act that an entry gives as true or false → their property.
FLAGS = {
    "safety_component": "safetyComponentOfAnnexIProduct",
    "gpai_model": "isGPAIModel",
    "systemic_risk": "hasSystemicRisk",
    "interacts_with_persons": "interactsWithPersons",
    "generates_synthetic_content": "generatesSyntheticContent",
    "emotion_recognition": "emotionRecognitionOrBiometricCategorisation",
    "prohibited_practice": "performsProhibitedPractice",
    "art6_3_exemption": "art63ExemptionClaimed",
}
ORG_ATTRIBUTES = [a for a in ATTRIBUTES.values() if a.scope == "organisation"]
SYSTEM_ATTRIBUTES = [a for a in ATTRIBUTES.values() if a.scope == "system" and a.name not in FLAGS]
#: An entry's id (and each part of an ORG/ID reference).
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: The keys each kind of entry may have (docs/orgdata.md); any other key is an error.
KEYS = {
    "organisation": {"id", "name", "tenant", "illustrative", "description"},
    "bodies": {"id", "name", "kind", "accredited_by"},
    "systems": {"id", "name", "intended_purpose", "roles", "provided_by", "annex_iii_area", "depends_on", *FLAGS},
    "controls": {
        "id",
        "name",
        "status",
        "implements",
        "implements_partly",
        "applies_to",
        "responsibility",
        "customer_responsibility",
        "owner",
    },
    "evidence": {"id", "name", "document", "sha256", "valid_from", "valid_until", "supports"},
    "certificates": {
        "id",
        "name",
        "framework",
        "issuer",
        "scope",
        "valid_from",
        "valid_until",
        "number",
        "illustrative",
        "note",
        "soa_exclusions",
        "audits",
    },
    "soa_exclusions": {"requirement", "reason"},
    "audits": {"type", "date", "nonconformities", "observations"},
    "actions": {"requirement", "system", "owner", "status", "due", "notes"},
}
KEYS["attestations"] = KEYS["certificates"] | {"level", "rests_on"}
KEYS["organisation"] |= {a.name for a in ORG_ATTRIBUTES}  # the EU AI Act attributes (graphsvc.sources.conditions)
KEYS["systems"] |= {a.name for a in SYSTEM_ATTRIBUTES}


class FieldReader:
    """Reads the fields of the entries of one file, each error naming the file, line and field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def where(self, obj: Any, field_name: str | None = None) -> str:
        line = obj.get(LINE, "?") if isinstance(obj, dict) else "?"
        return f"{self.path}:{line}" + (f": field {field_name!r}" if field_name else "")

    def fail(self, obj: Any, field_name: str | None, msg: str) -> DataLoadError:
        return DataLoadError(f"{self.where(obj, field_name)}: {msg}")

    def known_keys(self, obj: dict[str, Any], kind: str) -> None:
        """:raises DataLoadError: a key the entry's kind does not have (a typo would be lost silently)."""
        unknown = sorted(str(k) for k in obj if k != LINE and k not in KEYS[kind])
        if unknown:
            allowed = ", ".join(sorted(KEYS[kind]))
            raise self.fail(obj, unknown[0], f"unknown key in {kind!r}; expected one of: {allowed}")

    def text(self, obj: dict[str, Any], name: str, *, required: bool = True) -> str:
        """A text field: a string (a number is taken as its digits), never a mapping or a list."""
        value = self.req(obj, name) if required else obj.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(obj, name, f"must be text, not {type(value).__name__}")
        return str(value)

    def req(self, obj: dict[str, Any], name: str) -> Any:
        if obj.get(name) in (None, ""):
            raise self.fail(obj, name, "is required")
        return obj[name]

    def ident(self, obj: dict[str, Any], name: str = "id") -> str:
        value = str(self.req(obj, name))
        if not ID.match(value):
            raise self.fail(obj, name, f"{value!r} must be letters, digits, '.', '_' or '-'")
        return value

    def date(self, obj: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
        value = obj.get(name)
        if value in (None, ""):
            if required:
                raise self.fail(obj, name, "is required (YYYY-MM-DD)")
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(obj, name, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def choice(self, obj: dict[str, Any], name: str, allowed: set[str], default: str | None = None) -> str:
        value = obj.get(name, default)
        if value is None:
            raise self.fail(obj, name, f"is required: one of {', '.join(sorted(allowed))}")
        if value not in allowed:
            raise self.fail(obj, name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return str(value)

    def items(self, obj: dict[str, Any], name: str) -> list[Any]:
        value = obj.get(name) or []
        if not isinstance(value, list):
            raise self.fail(obj, name, "must be a list")
        return value

    def boolean(self, obj: dict[str, Any], name: str) -> bool:
        """A field given as true or false (the field must be present)."""
        value = obj[name]
        if not isinstance(value, bool):
            raise self.fail(obj, name, f"must be true or false, not {value!r}")
        return value

    def mappings(self, obj: dict[str, Any], name: str) -> list[dict[str, Any]]:
        out = self.items(obj, name)
        for item in out:
            if not isinstance(item, dict):
                raise self.fail(obj, name, f"each entry must be a mapping, got {item!r}")
        return out
