"""Proposed mappings: a lexical matcher ranks candidate requirements for each source item.

A *source item* is a requirement of a framework (``graphsvc propose --from nistairmf --to
euaia``) or a control of an organisation (``--controls contoso``); the candidates are the
requirements of the target framework. Each item is read as the text graphsvc holds for it:
the title, the summary in the project's own words, the parent's title and,
where the user imported a licensed copy (``graphsvc import aicm``), its specification; a
control is read as its name and description. Copyrighted text is never shipped, so without an
import the matcher sees only titles and summaries.

**The matcher.** TF-IDF (scikit-learn's ``TfidfVectorizer``, sublinear term frequency) over
words, after lower-casing, dropping English and boilerplate words
(``shall``, ``concerns``, ``ai``, ``system``…) and a light suffix folding (``logging``,
``logs`` → ``log``), fitted on the source and target texts together; candidates are ranked
by cosine similarity. The score is the proposal's ``confidence``: a similarity in 0..1, not a
probability (bench/proposals.py measures how often a high score is right). The words that
contribute most to the score are the proposal's justification (``match_string``).

**What a proposal claims.** Never more than ``intersects``: shared words say the two texts talk
about the same thing, not that meeting one meets the other. The suggested strength is low
(1-5, from the score) and the status is ``proposed``: DESIGN.md's rule is that a program's
mapping is only a proposal until a person approves it (:mod:`graphsvc.domain.review`).

>>> fold("logging")
'log'
>>> tokens("The provider shall keep automatically generated logs.")  # "keep" is an English stop word
['provider', 'automatic', 'generat', 'log']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsvc.domain.graph_scope import own_graphs
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GSD, compress, org_graph

METHOD = "semapv:LexicalMatching"
AUTHOR = "graphsvc:lexical-matcher"
SUGGESTED_RELATION = "intersects"
#: How many times an item's title counts in its text, and whether its parent's title is read
#: (chosen with bench/proposals.py; see the README's figures).
TITLE_WEIGHT = 1
READ_PARENT = True
#: 1: single words; 2: words and adjacent pairs (pairs measured no better on the shipped sets).
NGRAMS = 1
#: Kinds of catalog node that only group others: never proposed as a source or a target.
STRUCTURAL_KINDS = frozenset({"chapter", "section", "annex", "function", "domain"})

_BOILERPLATE = frozenset(
    """
    ai shall concerns concern covers cover requirement requirements ensure ensures including include
    includes example examples relevant appropriate article paragraph point annex regulation organization
    organisation organizational organisational system systems applicable accordance referred pursuant
    laid set provided provide provides measures measure process processes processed
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_WORD = re.compile(r"[a-z][a-z0-9]+")
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ities",
    "ments",
    "ment",
    "ness",
    "ings",
    "ally",
    "ing",
    "ies",
    "ied",
    "ity",
    "ed",
    "es",
    "ly",
    "s",
)


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _BOILERPLATE


_STOP: frozenset[str] = _stop_words()


def fold(word: str) -> str:
    """A light suffix folding so that inflected forms meet (not a full stemmer)."""
    if word.endswith("ss") or len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in {"ies", "ied", "ity", "ities"}:
                stem += "y" if suffix in {"ies", "ied"} else ""
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    return word


def tokens(text: str) -> list[str]:
    """Folded content words of a text, in order."""
    return [fold(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def analyse(text: str) -> list[str]:
    """The matcher's features: folded words (and adjacent pairs of them when ``NGRAMS`` is 2)."""
    words = tokens(text)
    if NGRAMS < 2:
        return words
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class Item:
    """A source or candidate: a requirement or a control, with the text the matcher reads."""

    iri: str
    label: str  # notation and title, as a reviewer reads it
    text: str
    framework: str = ""  # framework id, or "" for a control
    kind: str = ""

    @property
    def curie(self) -> str:
        return compress(self.iri)


@dataclass(frozen=True)
class Proposal:
    """One candidate pair: ``subject intersects object`` as a suggestion, never more."""

    subject: Item
    object: Item
    rank: int
    score: float
    matched: tuple[str, ...]

    @property
    def relation(self) -> str:
        return SUGGESTED_RELATION

    @property
    def strength(self) -> int:
        """A low suggested strength (1-5) from the score; the reviewer decides the real one."""
        return max(1, min(5, round(self.score * 10)))

    @property
    def confidence(self) -> float:
        return round(self.score, 3)

    def comment(self) -> str:
        words = ", ".join(self.matched) or "(none)"
        return (
            f"Proposed by lexical matching (TF-IDF cosine {self.score:.2f}) on shared words: {words}. "
            "Shared words are not shared demands: a reviewer decides the relation from the two texts."
        )


def proposal_id(subject: str, obj: str) -> str:
    """A stable id for a (subject, object) pair: the same pair always gets the same id.

    >>> proposal_id("a", "b") == proposal_id("a", "b") != proposal_id("b", "a")
    True
    """
    return "p-" + hashlib.sha1(f"{subject}|{obj}".encode()).hexdigest()[:12]


@dataclass
class LexicalMatcher:
    """TF-IDF over the candidates and the sources together; :meth:`rank` scores every pair."""

    candidates: Sequence[Item]
    sources: Sequence[Item]
    _matrix: Any = field(init=False, repr=False)
    _features: Any = field(init=False, repr=False)
    _surface: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not self.candidates:
            raise QueryParameterError("nothing to match against: the target framework has no requirements")
        docs = [i.text for i in self.candidates] + [i.text for i in self.sources]
        vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True)
        self._matrix = vectorizer.fit_transform(docs).tocsr()
        self._features = vectorizer.get_feature_names_out()
        surface: dict[str, str] = {}
        for doc in docs:
            for w in _WORD.findall(doc.lower()):
                stem = fold(w)
                if w not in _STOP and (stem not in surface or len(w) < len(surface[stem])):
                    surface[stem] = w  # the shortest form met stands for the folded word
        self._surface = surface

    def _words(self, i: int, j: int, limit: int = 6) -> tuple[str, ...]:
        a, b = self._matrix[i], self._matrix[j]
        prod = a.multiply(b).tocoo()
        order = sorted(zip(prod.data, prod.col, strict=False), reverse=True)
        out: list[str] = []
        for _w, col in order:
            feature = str(self._features[col])
            text = " ".join(self._surface.get(p, p) for p in feature.split(" "))
            if text not in out and not any(text in o.split(" ") for o in out):
                out.append(text)
            if len(out) >= limit:
                break
        return tuple(out)

    def rank(self, *, top: int = 5, min_score: float = 0.0, exclude: Iterable[tuple[str, str]] = ()) -> list[Proposal]:
        """The ``top`` best candidates for every source, best first; excluded pairs never appear."""
        n = len(self.candidates)
        skip = set(exclude)
        sims = (self._matrix[n:] @ self._matrix[:n].T).toarray()
        out: list[Proposal] = []
        for si, source in enumerate(self.sources):
            row = sims[si]
            order = sorted(range(n), key=lambda j: (-row[j], self.candidates[j].iri))
            rank = 0
            for j in order:
                cand = self.candidates[j]
                if row[j] <= min_score or row[j] <= 0.0:
                    break
                if cand.iri == source.iri or (source.iri, cand.iri) in skip:
                    continue
                rank += 1
                out.append(Proposal(source, cand, rank, float(row[j]), self._words(n + si, j)))
                if rank >= top:
                    break
        return out


# -- reading the items from the store ------------------------------------------------------------
def framework_items(svc: Any, framework: str) -> list[Item]:
    """Every non-structural requirement of a framework with its matcher text."""
    svc.check_framework(framework)
    merged: dict[str, dict[str, Any]] = {}
    for r in svc.select("proposal_texts", framework=framework):
        m = merged.setdefault(
            r["req"],
            {
                "notation": r["notation"],
                "kind": r["kind"],
                "title": set(),
                "summary": set(),
                "parent": set(),
                "spec": set(),
            },
        )
        for key, col in (
            ("title", "title"),
            ("summary", "summary"),
            ("parent", "parentTitle"),
            ("spec", "specification"),
        ):
            if r.get(col):
                m[key].add(str(r[col]))
    out = []
    for req, m in merged.items():
        if m["kind"] in STRUCTURAL_KINDS:
            continue
        title = " / ".join(sorted(m["title"]))
        parts = [title] * TITLE_WEIGHT + sorted(m["summary"]) + (sorted(m["parent"]) if READ_PARENT else [])
        text = " ".join(parts + sorted(m["spec"]))
        out.append(Item(req, f"{m['notation']} {title}".strip(), text, framework, m["kind"]))
    return out


@dataclass(frozen=True)
class ControlInfo:
    item: Item
    owner: str
    implements: frozenset[str]


def org_controls(svc: Any, org: str) -> list[ControlInfo]:
    """Every control of an organisation (YAML and imported catalog) with what it implements.

    :raises UnknownTerm: no such organisation in the caller's view.
    """
    org_node = GSD + "org/" + org
    visible = set(svc.store.named_graphs())
    graphs = [g for g in own_graphs(GSD + "org/" + org) if g in visible]
    if org_graph(org) not in visible and org_graph(org, "published") not in visible:
        raise UnknownTerm(f"no organisation {org!r} in the graph (or not visible to this key)")
    rows = svc.registry.select(svc.store, "org_controls", org=org_node, graphs=graphs)
    merged: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = merged.setdefault(
            r["control"].value,
            {"label": r["label"].value, "description": "", "owner": "", "reqs": set()},
        )
        if "description" in r:
            c["description"] = r["description"].value
        if "owner" in r:
            c["owner"] = r["owner"].value
        if "req" in r:
            c["reqs"].add(r["req"].value)
    out = []
    for iri, c in merged.items():
        cid = iri.rsplit("/", 1)[-1]
        text = " ".join([c["label"]] * TITLE_WEIGHT + [c["description"]])
        out.append(ControlInfo(Item(iri, f"{cid} {c['label']}", text, "", "control"), c["owner"], frozenset(c["reqs"])))
    return out


def propose(
    svc: Any,
    to: str,
    *,
    source: str | None = None,
    controls: str | None = None,
    top: int = 5,
    min_score: float = 0.0,
    include_mapped: bool = False,
    exclude: Iterable[tuple[str, str]] = (),
) -> list[Proposal]:
    """Rank candidates of framework ``to`` for a framework's requirements or an organisation's
    controls (exactly one of ``source`` and ``controls``).

    Controls that already implement a requirement are skipped unless ``include_mapped``;
    ``exclude`` pairs (subject IRI, object IRI) are never proposed (rejected and reviewed ones).

    :raises QueryParameterError: both or neither source given, ``top`` below 1.
    :raises UnknownTerm: an unknown framework or organisation.
    """
    if (source is None) == (controls is None):
        raise QueryParameterError("give either a source framework (--from) or an organisation (--controls)")
    if top < 1:
        raise QueryParameterError(f"--top {top}: expected 1 or more")
    targets = framework_items(svc, to)
    if source is not None:
        if source == to:
            raise QueryParameterError(f"--from and --to are both {to!r}")
        sources = framework_items(svc, source)
    else:
        assert controls is not None
        infos = org_controls(svc, controls)
        sources = [c.item for c in infos if include_mapped or not c.implements]
    if not sources:
        return []
    return LexicalMatcher(targets, sources).rank(top=top, min_score=min_score, exclude=exclude)


# -- output -------------------------------------------------------------------------------------
SSSOM_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "match_string",
    "set_relation",
    "strength",
    "rationale",
    "status",
    "author_id",
    "mapping_date",
    "comment",
    "source",
    "proposal_id",
)


def proposal_rows(proposals: Sequence[Proposal]) -> list[dict[str, Any]]:
    """Plain rows for a table or CSV."""
    return [
        {
            "id": proposal_id(p.subject.iri, p.object.iri),
            "subject": p.subject.curie,
            "subject_label": p.subject.label,
            "rank": p.rank,
            "object": p.object.curie,
            "object_label": p.object.label,
            "confidence": p.confidence,
            "relation": p.relation,
            "strength": p.strength,
            "matched": "; ".join(p.matched),
        }
        for p in proposals
    ]


def sssom_row(p: Proposal, date: dt.date | None = None) -> dict[str, str]:
    """One proposal as an SSSOM row (status proposed, justification semapv:LexicalMatching)."""
    return {
        "subject_id": p.subject.curie,
        "subject_label": p.subject.label,
        "predicate_id": "skos:relatedMatch",
        "object_id": p.object.curie,
        "object_label": p.object.label,
        "mapping_justification": METHOD,
        "confidence": f"{p.confidence:.3f}",
        "match_string": "; ".join(p.matched),
        "set_relation": p.relation,
        "strength": str(p.strength),
        "rationale": "syntactic",
        "status": "proposed",
        "author_id": AUTHOR,
        "mapping_date": (date or dt.date.today()).isoformat(),
        "comment": p.comment(),
        "source": "graphsvc lexical matcher (TF-IDF) over titles, summaries and imported licensed text",
        "proposal_id": proposal_id(p.subject.iri, p.object.iri),
    }


def sssom_tsv(proposals: Sequence[Proposal], *, title: str, set_id: str, date: dt.date | None = None) -> str:
    """Proposals as an SSSOM TSV document (YAML metadata header, then one row per proposal)."""
    import yaml

    from graphsvc.namespaces import PREFIXES

    used = {c.partition(":")[0] for p in proposals for c in (p.subject.curie, p.object.curie)}
    curie_map = {k: v for k, v in PREFIXES.items() if k in used | {"skos", "semapv", "graphsvc"}}
    meta = {
        "curie_map": curie_map,
        "mapping_set_id": set_id,
        "mapping_set_title": title,
        "mapping_set_version": (date or dt.date.today()).isoformat(),
        "license": "https://www.apache.org/licenses/LICENSE-2.0",
        "creator_id": [AUTHOR],
        "mapping_tool": "graphsvc lexical matcher (scikit-learn TfidfVectorizer)",
        "extension_definitions": [
            {"slot_name": name, "property": f"https://w3id.org/graphsvc/ontology#{prop}", "type_hint": "xsd:string"}
            for name, prop in (
                ("set_relation", "relation"),
                ("strength", "strength"),
                ("rationale", "rationale"),
                ("status", "status"),
                ("proposal_id", "proposalId"),
            )
        ],
    }
    head = "".join("#" + line + "\n" for line in yaml.safe_dump(meta, sort_keys=False).splitlines())
    lines = ["\t".join(SSSOM_COLUMNS)]
    for p in proposals:
        row = sssom_row(p, date)
        lines.append("\t".join(row[c].replace("\t", " ").replace("\n", " ") for c in SSSOM_COLUMNS))
    return head + "\n".join(lines) + "\n"
