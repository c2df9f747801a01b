"""What a SPARQL request reads and writes, read from its canonical tokens.

:func:`inspect_query` and :func:`inspect_update` take a text, canonicalise it
(:mod:`graphsvc.http.sparql.text`) and read its structure from the canonical tokens: the query form
and dataset clauses of a query; the graphs every operation of an update writes and reads. The
caller then executes :attr:`Query.text` / :attr:`Update.text`, the canonical text, so the engine
runs exactly what was analysed.

``SERVICE`` and ``LOAD`` are keywords of the grammar: in the canonical token stream each is one
``word`` token, never hidden in a comment, a string, an IRI or a prefixed name, so refusing the
token refuses the operation. The update analysis accepts only the update forms the grammar
defines (SPARQL 1.1 Update, section 19.8, rules [29]-[50]) and refuses anything it does not
recognise: a text the guard cannot read is never executed.

>>> u = inspect_update("PREFIX g: <http://g/> INSERT DATA { GRAPH g:a { <http://s> <http://p> 1 } }")
>>> sorted(u.info.writes), u.text
(['http://g/a'], 'INSERT DATA { GRAPH <http://g/a> { <http://s> <http://p> 1 } }')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graphsvc.errors import BadRequest, QueryRefused, QuerySyntaxError
from graphsvc.http.sparql.text import BASE_IRI, Canonical, Token, canonicalize
from graphsvc.store.tenancy import ALL_GRAPHS, DEFAULT_GRAPH

_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


@dataclass(frozen=True)
class QueryInfo:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateInfo:
    """The graphs an update reads and writes (``DEFAULT`` for the store's default graph,
    ``ALL`` for CLEAR/DROP ALL or NAMED) and whether it reads every named graph."""

    reads: frozenset[str]
    writes: frozenset[str]
    any_named_read: bool = False
    operations: tuple[str, ...] = ()
    #: (operation, graphs it writes), one per operation
    op_writes: tuple[tuple[str, frozenset[str]], ...] = ()
    #: (graph, triples in canonical SPARQL/Turtle syntax) for every INSERT DATA block
    inserted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Query:
    info: QueryInfo
    text: str  # the canonical text: execute this


@dataclass(frozen=True)
class Update:
    info: UpdateInfo
    text: str  # the canonical text: execute this


def _refuse_fetching(canon: Canonical) -> None:
    words = canon.keywords()
    if "SERVICE" in words:
        raise QueryRefused("SERVICE is refused: graphsvc never fetches anything; query this store's graphs")
    if "LOAD" in words:
        raise QueryRefused(
            "LOAD is refused: graphsvc never fetches anything; send the data with the Graph Store Protocol"
        )


def inspect_query(text: str, *, base: str = BASE_IRI, prefixes: Mapping[str, str] | None = None) -> Query:
    """The form and dataset clauses of a query, and the canonical text to run.

    >>> q = inspect_query("SELECT * FROM <http://a/g> WHERE { ?s ?p ?o }")
    >>> q.info
    QueryInfo(form='SELECT', from_graphs=('http://a/g',), from_named=())

    :raises QuerySyntaxError: the text does not lex, or is not a query.
    :raises QueryRefused: it uses SERVICE (or LOAD).
    """
    canon = canonicalize(text, base=base, prefixes=prefixes)
    _refuse_fetching(canon)
    toks = canon.tokens
    form = next((t.upper for t in toks if t.upper in _FORMS), None)
    if form is None:
        raise QuerySyntaxError("the SPARQL query does not parse: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    if toks and toks[0].upper not in _FORMS:
        raise QuerySyntaxError(f"the SPARQL query does not parse: it starts with {toks[0].text[:40]!r}")
    default: list[str] = []
    named: list[str] = []
    for i, t in enumerate(toks):
        if t.upper != "FROM":
            continue
        j = i + 1
        target = default
        if j < len(toks) and toks[j].upper == "NAMED":
            target, j = named, j + 1
        if j >= len(toks) or toks[j].kind != "iri":
            raise QuerySyntaxError("the SPARQL query does not parse: FROM must be followed by an IRI")
        target.append(toks[j].iri)
    return Query(QueryInfo(form, tuple(default), tuple(named)), canon.text)


# -- updates ---------------------------------------------------------------------------------------
@dataclass
class _Reader:
    """A cursor over one operation's tokens."""

    toks: Sequence[Token]
    i: int = 0
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    any_named: bool = False
    data: list[tuple[str, str]] = field(default_factory=list)

    def peek(self, ahead: int = 0) -> Token | None:
        k = self.i + ahead
        return self.toks[k] if k < len(self.toks) else None

    def word(self, *words: str) -> str | None:
        """Take the next token if it is one of ``words``; its keyword, else None."""
        t = self.peek()
        if t is not None and t.upper in words:
            self.i += 1
            return t.upper
        return None

    def expect(self, *words: str) -> str:
        got = self.word(*words)
        if got is None:
            raise self.error(f"expected {' or '.join(words)}")
        return got

    def iri(self) -> str:
        t = self.peek()
        if t is None or t.kind != "iri":
            raise self.error("expected an IRI")
        self.i += 1
        return t.iri

    def punct(self, p: str) -> None:
        t = self.peek()
        if t is None or t.kind != "punct" or t.text != p:
            raise self.error(f"expected {p!r}")
        self.i += 1

    def error(self, what: str) -> QuerySyntaxError:
        t = self.peek()
        near = t.text[:40] if t is not None else "the end"
        return QuerySyntaxError(f"the SPARQL update does not parse: {what} near {near!r}")

    def block(self) -> list[Token]:
        """The tokens of the ``{ … }`` group that starts here (braces balanced), without its braces."""
        self.punct("{")
        start, depth = self.i, 1
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            if t.kind == "punct" and t.text == "{":
                depth += 1
            elif t.kind == "punct" and t.text == "}":
                depth -= 1
                if depth == 0:
                    return list(self.toks[start : self.i - 1])
        raise QuerySyntaxError("the SPARQL update does not parse: unbalanced braces")

    def graph_ref(self, *, all_allowed: bool) -> str:
        """GraphRefAll / GraphOrDefault: ``GRAPH iri``, ``DEFAULT``, ``NAMED``, ``ALL`` or a bare IRI."""
        word = self.word("GRAPH", "DEFAULT", "NAMED", "ALL")
        if word == "DEFAULT":
            return DEFAULT_GRAPH
        if word in {"NAMED", "ALL"}:
            if not all_allowed:
                raise self.error(f"{word} is not a graph here")
            return ALL_GRAPHS
        return self.iri()


def _quads(r: _Reader, body: list[Token], *, default: str, data: bool) -> set[str]:
    """The graphs a QuadData/QuadPattern body writes: ``GRAPH g { … }`` blocks and, for triples
    outside them, ``default``. A GRAPH by variable is refused (name the graph). For QuadData, the
    triples of each graph are kept in ``r.data`` as canonical text."""
    graphs: set[str] = set()
    inner = _Reader(body)
    loose = False
    loose_tokens: list[Token] = []
    while inner.peek() is not None:
        t = inner.peek()
        assert t is not None
        if t.upper == "GRAPH":
            inner.i += 1
            g = inner.peek()
            if g is None or g.kind not in {"iri", "var"}:
                raise inner.error("GRAPH must be followed by an IRI")
            if g.kind == "var" and data:
                raise inner.error("GRAPH in INSERT DATA / DELETE DATA takes an IRI, not a variable")
            if g.kind == "var":
                raise QueryRefused(
                    "a GRAPH given by a variable in an INSERT/DELETE template is refused: name the graph"
                )
            inner.i += 1
            graphs.add(g.iri)
            nested = inner.block()
            if any(n.kind == "punct" and n.text in "{}" for n in nested):
                raise inner.error("a GRAPH block of quads holds no group")
            if data:
                r.data.append((g.iri, Canonical(tuple(nested)).text))
            continue
        if t.kind == "punct" and t.text in "{}":
            raise inner.error("quads hold no nested group")
        if not (t.kind == "punct" and t.text == "."):
            loose = True
        loose_tokens.append(t)
        inner.i += 1
    if loose:
        graphs.add(default)
        if data:
            r.data.append((default, Canonical(tuple(loose_tokens)).text))
    return graphs


def _where_reads(r: _Reader, pattern: list[Token]) -> tuple[set[str], bool]:
    """The graphs ``GRAPH <g>`` names in a WHERE pattern, and whether a ``GRAPH ?g`` reads any."""
    named: set[str] = set()
    any_named = False
    for k, t in enumerate(pattern):
        if t.upper != "GRAPH":
            continue
        g = pattern[k + 1] if k + 1 < len(pattern) else None
        if g is None or g.kind not in {"iri", "var"}:
            raise r.error("GRAPH must be followed by an IRI or a variable")
        if g.kind == "iri":
            named.add(g.iri)
        else:
            any_named = True
    return named, any_named


def _operation(toks: Sequence[Token], using_override: tuple[list[str], list[str]] | None) -> tuple[str, _Reader]:
    r = _Reader(toks)
    first = r.peek()
    assert first is not None
    word = first.upper
    if word in {"CLEAR", "DROP"}:
        r.i += 1
        r.word("SILENT")
        r.writes.add(r.graph_ref(all_allowed=True))
        return word.title(), r
    if word == "CREATE":
        r.i += 1
        r.word("SILENT")
        r.expect("GRAPH")
        r.writes.add(r.iri())
        return "Create", r
    if word in {"ADD", "MOVE", "COPY"}:
        r.i += 1
        r.word("SILENT")
        src = r.graph_ref(all_allowed=False)
        r.expect("TO")
        dst = r.graph_ref(all_allowed=False)
        r.reads.add(src)
        r.writes.add(dst)
        if word == "MOVE":
            r.writes.add(src)
        return word.title(), r
    if word in {"INSERT", "DELETE"} and r.peek(1) is not None and r.peek(1).upper == "DATA":  # type: ignore[union-attr]
        r.i += 2
        r.writes |= _quads(r, r.block(), default=DEFAULT_GRAPH, data=True)
        return ("InsertData" if word == "INSERT" else "DeleteData"), r
    if word == "DELETE" and r.peek(1) is not None and r.peek(1).upper == "WHERE":  # type: ignore[union-attr]
        r.i += 2
        graphs = _quads(r, r.block(), default=DEFAULT_GRAPH, data=False)
        r.writes |= graphs
        r.reads |= graphs
        return "DeleteWhere", r
    # Modify: ( WITH iri )? ( DELETE QuadPattern INSERT QuadPattern? | INSERT QuadPattern ) UsingClause* WHERE Group
    with_iri = r.iri() if r.word("WITH") else None
    template_default = with_iri or DEFAULT_GRAPH
    clause = r.expect("DELETE", "INSERT")
    r.writes |= _quads(r, r.block(), default=template_default, data=False)
    if clause == "DELETE" and r.word("INSERT"):
        r.writes |= _quads(r, r.block(), default=template_default, data=False)
    using: list[str] = []
    using_named: list[str] = []
    while r.word("USING"):
        (using_named if r.word("NAMED") else using).append(r.iri())
    if using_override is not None:
        if using or using_named or with_iri:
            raise BadRequest(
                "using-graph-uri/using-named-graph-uri cannot be combined with USING, USING NAMED or WITH in the update"
            )
        using, using_named = using_override
    r.expect("WHERE")
    pattern = r.block()
    if r.peek() is not None:
        raise r.error("unexpected text after the WHERE group")
    if using or using_named:
        r.reads.update(using or [DEFAULT_GRAPH])
        r.reads.update(using_named)
    else:
        r.reads.add(with_iri or DEFAULT_GRAPH)
    named, any_named = _where_reads(r, pattern)
    r.reads |= named
    r.any_named = any_named and not using_named
    return "Modify", r


def _split_operations(toks: Sequence[Token]) -> list[list[Token]]:
    """The operations of an update: the token runs between ``;`` at brace depth 0."""
    ops: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "punct" and t.text == "{":
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == ";":
            ops.append([])
            continue
        ops[-1].append(t)
    return [op for op in ops if op]


def _with_using(toks: list[Token], using: Sequence[str], using_named: Sequence[str]) -> list[Token]:
    """A Modify operation's tokens with the protocol's USING graphs written before its WHERE."""
    depth = 0
    for k, t in enumerate(toks):
        if t.kind == "punct" and t.text == "{":
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        elif depth == 0 and t.upper == "WHERE":
            clauses = [x for g in using for x in (Token("word", "USING"), Token("iri", f"<{g}>"))]
            clauses += [
                x for g in using_named for x in (Token("word", "USING"), Token("word", "NAMED"), Token("iri", f"<{g}>"))
            ]
            return [*toks[:k], *clauses, *toks[k:]]
    return toks


def inspect_update(
    text: str,
    *,
    base: str = BASE_IRI,
    prefixes: Mapping[str, str] | None = None,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
) -> Update:
    """Which graphs each operation of an update touches, and the canonical text to run.

    ``using``/``using_named`` are the protocol's ``using-graph-uri``/``using-named-graph-uri``: they
    act as USING / USING NAMED on every operation with a WHERE clause (SPARQL 1.1 Protocol 2.2.3),
    and are refused beside USING, USING NAMED or WITH in the text.

    :raises QuerySyntaxError: the text does not lex, or an operation is not one the grammar defines.
    :raises QueryRefused: LOAD, SERVICE, or a graph given by a variable in a template.
    """
    canon = canonicalize(text, base=base, prefixes=prefixes, update=True)
    _refuse_fetching(canon)
    override = (list(using), list(using_named)) if (using or using_named) else None
    reads: set[str] = set()
    writes: set[str] = set()
    names: list[str] = []
    op_writes: list[tuple[str, frozenset[str]]] = []
    inserted: list[tuple[str, str]] = []
    any_named = False
    out: list[Token] = []
    for op in _split_operations(canon.tokens):
        name, r = _operation(op, override)
        if r.i < len(op) and name != "Modify":
            raise r.error("unexpected text after the operation")
        names.append(name)
        op_writes.append((name, frozenset(r.writes)))
        if name == "InsertData":
            inserted.extend(r.data)
        reads |= r.reads
        writes |= r.writes
        any_named |= r.any_named
        if out:
            out.append(Token("punct", ";"))
        out.extend(_with_using(op, *override) if (override and name == "Modify") else op)
    if not names:
        raise QuerySyntaxError("the SPARQL update is empty")
    info = UpdateInfo(frozenset(reads), frozenset(writes), any_named, tuple(names), tuple(op_writes), tuple(inserted))
    return Update(info, Canonical(tuple(out)).text)
