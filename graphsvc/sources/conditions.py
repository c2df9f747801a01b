"""Conditions the EU AI Act attaches to an obligation beyond role and category, as data.

A condition lives in ``mappings/catalogs/euaia-2024-1689/conditions.csv`` next to the
obligations it constrains, and is written in a small language over the attributes of an
organisation and of an AI system (the table :data:`ATTRIBUTES`):

- ``public_body`` — the attribute is true; ``!public_body`` — it is false;
- ``annex_iii_area=5(b);5(c)`` — the Annex III point is one of these (an area such as ``1``
  matches every point under it); ``annex_iii_area!=2`` — it is none of them;
- ``@real_world_testing`` — a fact the data does not record, so never decided;
- ``a & b`` — both; ``a | b & c`` — either (``&`` binds tighter; no parentheses).

Evaluation is three-valued: ``True`` (met), ``False`` (not met) or ``None`` (an attribute
that decides it is not given). :func:`evaluate` implements it; :func:`missing` names what
would decide it.

>>> expr = parse("public_body & annex_iii_area!=2 | annex_iii_area=5(b);5(c)")
>>> evaluate(expr, {"public_body": False, "annex_iii_area": "5(b)"})
True
>>> evaluate(expr, {"public_body": True, "annex_iii_area": "2"})
False
>>> evaluate(expr, {"annex_iii_area": "4(a)"}) is None
True
>>> missing(expr, {"annex_iii_area": "4(a)"})
['public_body']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from graphsvc.errors import DataLoadError

__all__ = [
    "ANNEX_III_POINTS",
    "ATTRIBUTES",
    "DERIVED",
    "Atom",
    "Attribute",
    "Expr",
    "evaluate",
    "given",
    "missing",
    "normalise_point",
    "parse",
    "point_from_iri",
    "point_to_local",
]


@dataclass(frozen=True)
class Attribute:
    """One attribute a condition may test."""

    name: str
    scope: str  # organisation | system
    kind: str  # bool | point | section | date
    default: Any  # the value when not given; None: unknown
    flag: str  # the `graphsvc applicable` flag
    prop: str  # the ontology property (gs:<prop>) that records it
    help: str


ATTRIBUTES: dict[str, Attribute] = {
    a.name: a
    for a in (
        Attribute(
            "public_body",
            "organisation",
            "bool",
            None,
            "--public-body",
            "publicBody",
            "a public authority, Union institution, body, office or agency, or a body governed by public law",
        ),
        Attribute(
            "public_service_provider",
            "organisation",
            "bool",
            None,
            "--public-service-provider",
            "publicServiceProvider",
            "a private entity providing public services",
        ),
        Attribute(
            "established_in_union",
            "organisation",
            "bool",
            True,
            "--third-country",
            "establishedInUnion",
            "established in the Union (--third-country: established outside it)",
        ),
        Attribute(
            "financial_institution",
            "organisation",
            "bool",
            False,
            "--financial-institution",
            "financialInstitution",
            "a financial institution subject to Union internal-governance rules for financial services",
        ),
        Attribute(
            "annex_iii_area",
            "system",
            "point",
            None,
            "--annex-iii-point",
            "annexIIIArea",
            "the Annex III area or point of the system's use, e.g. 4(a)",
        ),
        Attribute(
            "annex_i_section",
            "system",
            "section",
            None,
            "--annex-i-section",
            "annexISection",
            "for an Annex I product or safety component: the Section (A or B) of the legislation covering it",
        ),
        Attribute(
            "placed_on_market",
            "system",
            "date",
            None,
            "--placed-on-market",
            "placedOnMarket",
            "when the system or model was placed on the market or put into service",
        ),
        Attribute(
            "used_at_workplace",
            "system",
            "bool",
            None,
            "--workplace",
            "usedAtWorkplace",
            "put into service or used at the workplace by an employer",
        ),
        Attribute(
            "open_source",
            "system",
            "bool",
            None,
            "--open-source",
            "openSource",
            "a general-purpose AI model released under a free and open-source licence with public parameters",
        ),
        Attribute(
            "substantially_modified",
            "system",
            "bool",
            None,
            "--substantially-modified",
            "substantiallyModified",
            "substantially modified by this operator after it was placed on the market (Art. 25(1)(b))",
        ),
        Attribute(
            "rebranded",
            "system",
            "bool",
            None,
            "--rebranded",
            "rebranded",
            "this operator put its name or trademark on it after it was placed on the market (Art. 25(1)(a))",
        ),
        Attribute(
            "art6_3_exemption",
            "system",
            "bool",
            False,
            "--art6-3-exemption",
            "art63ExemptionClaimed",
            "the provider claims the Art. 6(3) derogation for an Annex III system",
        ),
    )
}

#: Facts the engine derives rather than reads: whether the operator asked about also holds the
#: provider role for the system (so Art. 25(1) cannot make it the provider). Conditions may test
#: them; callers cannot set them.
DERIVED: dict[str, str] = {"provides_it": "the operator is already the system's provider"}

#: Every area and point of Annex III as the Annex numbers them.
ANNEX_III_POINTS: tuple[str, ...] = (
    "1",
    "1(a)",
    "1(b)",
    "1(c)",
    "2",
    "3",
    "3(a)",
    "3(b)",
    "3(c)",
    "3(d)",
    "4",
    "4(a)",
    "4(b)",
    "5",
    "5(a)",
    "5(b)",
    "5(c)",
    "5(d)",
    "6",
    "6(a)",
    "6(b)",
    "6(c)",
    "6(d)",
    "6(e)",
    "7",
    "7(a)",
    "7(b)",
    "7(c)",
    "7(d)",
    "8",
    "8(a)",
    "8(b)",
)
_POINT = re.compile(r"^\s*([1-8])\s*(?:[(.]?\s*([a-e])\s*\)?)?\s*$", re.IGNORECASE)


def normalise_point(text: object) -> str | None:
    """``4a``, ``4.a``, ``4 (a)`` → ``4(a)``; None when it is no Annex III area or point.

    >>> normalise_point("5 (b)"), normalise_point("4c"), normalise_point("9")
    ('5(b)', None, None)
    """
    m = _POINT.match(str(text))
    if not m:
        return None
    point = m.group(1) + (f"({m.group(2).lower()})" if m.group(2) else "")
    return point if point in ANNEX_III_POINTS else None


def point_to_local(point: str) -> str:
    """``4(a)`` → ``anx3.4.a``, the catalog id of that Annex III point."""
    return "anx3." + point.replace("(", ".").replace(")", "")


def point_from_iri(iri: str) -> str:
    """``…/anx3.4.a`` → ``4(a)``."""
    local = iri.rsplit("/", 1)[-1].removeprefix("anx3.")
    area, _, letter = local.partition(".")
    return area + (f"({letter})" if letter else "")


@dataclass(frozen=True)
class Atom:
    name: str  # an attribute name, or for op "fact" the name of an unrecorded fact
    op: str  # is | not | in | not-in | fact
    values: tuple[str, ...] = ()

    def text(self) -> str:
        if self.op == "fact":
            return "@" + self.name
        if self.op in {"is", "not"}:
            return ("!" if self.op == "not" else "") + self.name
        return f"{self.name}{'=' if self.op == 'in' else '!='}{';'.join(self.values)}"


#: A condition in disjunctive normal form: any of the terms, each all of its atoms.
Expr = tuple[tuple[Atom, ...], ...]


def _atom(text: str, where: str) -> Atom:
    text = text.strip()
    if text.startswith("@"):
        name = text[1:]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise DataLoadError(f"{where}: {text!r} is not a fact name (@lower_case_words)")
        return Atom(name, "fact")
    m = re.fullmatch(r"(!?)([a-z0-9_]+)(?:\s*(!=|=)\s*(.+))?", text)
    if not m:
        raise DataLoadError(f"{where}: cannot read {text!r}; write name, !name, name=v;w or name!=v")
    neg, name, op, values = m.groups()
    if name in DERIVED and op is None:
        return Atom(name, "not" if neg else "is")
    attr = ATTRIBUTES.get(name)
    if attr is None:
        raise DataLoadError(f"{where}: unknown attribute {name!r}; known: {', '.join(ATTRIBUTES)}")
    if op is None:
        if attr.kind != "bool":
            raise DataLoadError(f"{where}: {name!r} is not a yes/no attribute; compare it with = or !=")
        return Atom(name, "not" if neg else "is")
    if neg or attr.kind not in {"point", "section"}:
        raise DataLoadError(f"{where}: {text!r}: only annex_iii_area and annex_i_section take = or !=")
    vals = tuple(v.strip() for v in values.split(";") if v.strip())
    for v in vals:
        if attr.kind == "point" and normalise_point(v) != v:
            raise DataLoadError(f"{where}: {v!r} is not an Annex III area or point as the Annex writes it, e.g. 4(a)")
        if attr.kind == "section" and v not in {"A", "B"}:
            raise DataLoadError(f"{where}: annex_i_section is A or B, not {v!r}")
    return Atom(name, "in" if op == "=" else "not-in", vals)


def parse(text: str, where: str = "condition") -> Expr:
    """Read a condition; :raises DataLoadError: naming ``where`` when it cannot be read."""
    if not text.strip():
        raise DataLoadError(f"{where}: the condition is empty")
    return tuple(tuple(_atom(a, where) for a in term.split("&")) for term in text.split("|"))


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _point_matches(actual: str, wanted: str) -> bool | None:
    if actual == wanted:
        return True
    area, wanted_area = actual.split("(")[0], wanted.split("(")[0]
    if area != wanted_area:
        return False
    if "(" not in wanted:
        return True  # an area matches every point under it
    return None if "(" not in actual else False  # area known, point not


def _atom_value(atom: Atom, facts: dict[str, Any]) -> bool | None:
    if atom.op == "fact" or atom.name not in facts or facts[atom.name] is None:
        return None
    value = facts[atom.name]
    if atom.op == "is":
        return bool(value)
    if atom.op == "not":
        return not value
    if value == "":
        hit: bool | None = False  # no Annex III use / not an Annex I product
    elif ATTRIBUTES[atom.name].kind == "point":
        hit = _or([_point_matches(str(value), v) for v in atom.values])
    else:
        hit = value in atom.values
    if atom.op == "in":
        return hit
    return None if hit is None else not hit


def evaluate(expr: Expr, facts: dict[str, Any]) -> bool | None:
    """Met (True), not met (False) or undecided (None) for ``facts`` (attribute → value;
    an attribute absent or None is not given; ``""`` for a point or section means none)."""
    return _or([_and([_atom_value(a, facts) for a in term]) for term in expr])


def missing(expr: Expr, facts: dict[str, Any]) -> list[str]:
    """The attributes not given (and ``@facts``) in the terms that are still undecided."""
    out: list[str] = []
    for term in expr:
        if _and([_atom_value(a, facts) for a in term]) is not None:
            continue
        for a in term:
            if _atom_value(a, facts) is None:
                key = "@" + a.name if a.op == "fact" else a.name
                if key not in out:
                    out.append(key)
    return out


def given(expr: Expr, facts: dict[str, Any]) -> list[str]:
    """``name is value`` for each attribute of ``expr`` that ``facts`` gives, for reasons."""
    out: list[str] = []
    for term in expr:
        for a in term:
            if a.op == "fact" or facts.get(a.name) is None:
                continue
            v = facts[a.name]
            if a.name in DERIVED:
                text = DERIVED[a.name] if v else DERIVED[a.name].replace(" is already ", " is not ")
                if text not in out:
                    out.append(text)
                continue
            shown = (
                ("true" if v else "false")
                if isinstance(v, bool)
                else (v.isoformat() if isinstance(v, dt.date) else (str(v) or "none"))
            )
            text = f"{a.name} is {shown}"
            if text not in out:
                out.append(text)
    return out
