"""One reading of a SPARQL text: an exact lexer and the canonical text the engine executes.

The guard that decides what a request may read and write must see exactly what the engine runs.
Two parsers never agree on every corner of a grammar (a comment ended by a bare ``\\r``, ``\\u``
escapes outside strings, escaped characters in prefixed names, relative IRIs under ``BASE``), so
graphsvc does not ask two parsers. It lexes the request once, with the terminals of the SPARQL 1.1
grammar (https://www.w3.org/TR/sparql11-query/#sparqlGrammar), and writes the tokens back out in
a form that leaves no room for a second reading:

* comments are dropped and every token is separated by one space, so no token boundary is left to
  interpretation (a ``<`` read here as "less than" cannot become the start of an IRI);
* prefixed names are expanded and relative IRIs resolved (against ``BASE`` or the service's base
  IRI), so the canonical text has no ``PREFIX``, no ``BASE``, no prefixed name and no name escape;
* strings are re-quoted with ``"…"`` and only the escapes ``\\t \\n \\r \\b \\f \\" \\\\``; IRIs are
  written with their escapes decoded; a codepoint escape (``\\u``/``\\U``) outside a string or an
  IRI is refused, and so is one that decodes to a lone surrogate.

The analysis (:mod:`graphsvc.http.sparql.guard`) reads these tokens, and the engine executes
:attr:`Canonical.text`: what was checked is what runs. Nothing here parses with rdflib, so the
request path holds no shared parser state (rdflib's pyparsing grammar is not thread-safe).

>>> c = canonicalize("PREFIX ex: <http://e/> SELECT * WHERE { ex:a\\\\/b ?p 'x' } # hi")
>>> c.text
'SELECT * WHERE { <http://e/a/b> ?p "x" }'
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import NamedNode

from graphsvc.errors import QuerySyntaxError
from graphsvc.namespaces import GRAPHSVC_BASE_IRI

#: The base IRI relative IRIs in queries and updates resolve against (stated in the service
#: description). ``BASE`` in the text overrides it.
BASE_IRI = GRAPHSVC_BASE_IRI

# -- terminals of the SPARQL 1.1 grammar (section 19.8) --------------------------------------
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "0-9A-Fa-f"
_UCHAR = rf"\\u[{_HEX}]{{4}}|\\U[{_HEX}]{{8}}"
_ECHAR = r"\\[tbnrf\\\"']"
_PLX = rf"%[{_HEX}]{{2}}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXP = r"[eE][+-]?[0-9]+"

_TERMINALS = [
    ("ws", r"[\x20\x09\x0d\x0a]+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    ("string", rf"'(?:[^\x27\x5c\x0a\x0d]|{_ECHAR}|{_UCHAR})*'"),
    ("string", rf'"(?:[^\x22\x5c\x0a\x0d]|{_ECHAR}|{_UCHAR})*"'),
    ("var", rf"[?$]{_VARNAME}"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", rf"[+-]?(?:[0-9]+\.[0-9]*{_EXP}|\.[0-9]+{_EXP}|[0-9]+{_EXP}|[0-9]*\.[0-9]+|[0-9]+)"),
    ("bnode", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("word", r"[A-Za-z][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/+\-!=<>^|?]"),
]
_LEXER = re.compile("|".join(f"(?P<{kind}{i}>{rx})" for i, (kind, rx) in enumerate(_TERMINALS)))
_KIND = {f"{kind}{i}": kind for i, (kind, _) in enumerate(_TERMINALS)}
_UESC = re.compile(rf"{_UCHAR}")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_STRING_BODY = re.compile(rf"{_UCHAR}|{_ECHAR}|.", re.DOTALL)
_QUOTE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LOCAL_ESC = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Token:
    """One canonical token: ``kind`` is one of iri, string, var, langtag, number, bnode, word, punct;
    ``text`` is how it is written in :attr:`Canonical.text`; for a word, ``upper`` is its keyword."""

    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def iri(self) -> str:
        """The IRI of an ``iri`` token (without the angle brackets)."""
        return self.text[1:-1]


@dataclass(frozen=True)
class Canonical:
    """A SPARQL text as graphsvc reads it and as the engine will execute it."""

    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(_glued(self.tokens))

    def keywords(self) -> frozenset[str]:
        return frozenset(t.upper for t in self.tokens if t.kind == "word")


def _glued(tokens: tuple[Token, ...]) -> Iterator[str]:
    """Token texts, with a language tag or ``^^`` datatype written against its string and a
    function's ``(`` against its name (pyoxigraph refuses ``CONCAT (``). Neither join can form
    another token: a word cannot extend past ``(``, nor a string past ``@`` or ``^^``."""
    out: list[str] = []
    prev: Token | None = None
    for t in tokens:
        glue = t.kind == "langtag" or t.text == "^^" or (prev is not None and prev.text == "^^")
        glue = glue or (prev is not None and prev.kind == "word" and t.text == "(")
        if out and glue:
            out[-1] += t.text
        else:
            out.append(t.text)
        prev = t
    yield from out


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _error(text: str, pos: int, what: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"the SPARQL text does not parse at {_where(text, pos)}: {what}")


def _codepoint(esc: str, text: str, pos: int) -> str:
    cp = int(esc[2:], 16)
    if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
        raise _error(text, pos, f"{esc} is not a Unicode scalar value (a lone surrogate or out of range)")
    return chr(cp)


def _string_value(raw: str, text: str, pos: int) -> str:
    quote = 3 if raw[:3] in {'"""', "'''"} else 1
    body = raw[quote:-quote]
    out = []
    for m in _STRING_BODY.finditer(body):
        piece = m.group()
        if piece.startswith(("\\u", "\\U")) and len(piece) > 2:
            out.append(_codepoint(piece, text, pos))
        elif piece.startswith("\\") and len(piece) == 2:
            out.append(_ESCAPES[piece[1]])
        else:
            out.append(piece)
    value = "".join(out)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise _error(text, pos, "a string holds a lone surrogate")
    return value


def _quoted(value: str) -> str:
    return '"' + "".join(_QUOTE.get(c, c) for c in value) + '"'


def _resolve(ref: str, base: str, text: str, pos: int) -> str:
    """An absolute IRI for ``ref`` (RFC 3986 resolution against ``base``, as urllib does it)."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", ref):
        iri = ref
    else:
        scheme = base.split(":", 1)[0].lower()
        if scheme not in urllib.parse.uses_relative:
            raise _error(text, pos, f"the relative IRI <{ref[:200]}> cannot be resolved against the base <{base}>")
        iri = urllib.parse.urljoin(base, ref)
    bad = re.search(r"[<>\"{}|^`\\\x00-\x20]", iri)
    if bad:
        raise _error(text, pos, f"the IRI <{iri[:200]}> holds the character {bad.group()!r}, which an IRI may not")
    try:
        NamedNode(iri)
    except ValueError as exc:
        raise _error(text, pos, f"<{iri[:200]}> is not a valid IRI: {exc}") from None
    return iri


def _iri_value(raw: str, text: str, pos: int) -> str:
    return _UESC.sub(lambda m: _codepoint(m.group(), text, pos), raw[1:-1])


def lex(text: str) -> Iterator[tuple[str, str, int]]:
    """The SPARQL terminals of ``text`` as (kind, source text, offset), without white space and comments.

    :raises QuerySyntaxError: a character no terminal starts with (a form feed, a stray backslash,
        a ``\\u`` escape outside a string or an IRI), with its line and column.
    """
    pos = 0
    end = len(text)
    while pos < end:
        m = _LEXER.match(text, pos)
        if m is None:
            ch = text[pos]
            if text.startswith(("\\u", "\\U"), pos):
                raise _error(text, pos, "a codepoint escape (\\u, \\U) is accepted only inside a string or an IRI")
            raise _error(text, pos, f"unexpected character {ch!r}")
        kind = _KIND[m.lastgroup or ""]
        if kind not in {"ws", "comment"}:
            yield kind, m.group(), pos
        pos = m.end()


def canonicalize(
    text: str, *, base: str = BASE_IRI, prefixes: Mapping[str, str] | None = None, update: bool = False
) -> Canonical:
    """Lex ``text`` and write it in canonical form (see the module docstring).

    ``prefixes`` are predeclared (a ``PREFIX`` in the text overrides one). ``PREFIX`` and ``BASE``
    are accepted where the grammar puts a prologue: at the start, and in an update after each ``;``
    between operations.

    :raises QuerySyntaxError: the text cannot be lexed, uses an undeclared prefix, a misplaced
        ``PREFIX``/``BASE``, or an IRI that is not valid once resolved.
    """
    declared = dict(prefixes or {})
    tokens: list[Token] = []
    items = list(lex(text))
    depth = 0
    prologue = True
    i = 0
    while i < len(items):
        kind, raw, pos = items[i]
        upper = raw.upper() if kind == "word" else ""
        if upper in {"PREFIX", "BASE"}:
            if not prologue:
                raise _error(text, pos, f"{upper} is accepted only in the prologue (before the query or operation)")
            if upper == "BASE":
                if i + 1 >= len(items) or items[i + 1][0] != "iri":
                    raise _error(text, pos, "BASE must be followed by an IRI")
                base = _resolve(_iri_value(items[i + 1][1], text, pos), base, text, pos)
                i += 2
                continue
            if i + 2 >= len(items) or items[i + 1][0] != "pname" or not items[i + 1][1].endswith(":"):
                raise _error(text, pos, "PREFIX must be followed by a prefix name ending in ':' and an IRI")
            if items[i + 2][0] != "iri":
                raise _error(text, pos, "PREFIX must be followed by a prefix name and an IRI")
            declared[items[i + 1][1][:-1]] = _resolve(_iri_value(items[i + 2][1], text, pos), base, text, pos)
            i += 3
            continue
        prologue = False
        if kind == "iri":
            tokens.append(Token("iri", f"<{_resolve(_iri_value(raw, text, pos), base, text, pos)}>"))
        elif kind == "pname":
            prefix, _, local = raw.partition(":")
            if prefix not in declared:
                raise _error(text, pos, f"the prefix {prefix + ':'!r} is not declared")
            local = _LOCAL_ESC.sub(lambda m: m.group(1), local)
            tokens.append(Token("iri", f"<{_resolve(declared[prefix] + local, base, text, pos)}>"))
        elif kind == "string":
            tokens.append(Token("string", _quoted(_string_value(raw, text, pos))))
        else:
            tokens.append(Token(kind, raw))
            if raw == "{":
                depth += 1
            elif raw == "}":
                depth -= 1
            elif raw == ";" and update and depth == 0:
                prologue = True
        i += 1
    return Canonical(tuple(tokens))
