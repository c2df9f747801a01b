"""What the command line prints, and where: the formats, one writer for ``-o``, tables that
never break an identifier, and the coverage answer with its summary first.

Everything here renders data a domain function returned; nothing queries the store.

* **Width.** The consoles read ``COLUMNS`` whenever they print (a terminal's own width
  otherwise, 160 columns into a pipe or a file), so ``COLUMNS=100 graphsvc …`` is obeyed.
* **Tables.** An identifier column (id, notation, CURIE, status, date …) is never wrapped; only
  prose columns (titles, labels, reasons …) wrap, at spaces.
* **Formats and -o.** Every command that prints rows takes ``-f``/``--format`` and ``-o FILE``.
  ``-o`` writes whatever ``-f`` says (a table too); without ``-f`` the format follows the file's
  suffix (``.csv``, ``.json``, ``.xlsx``, ``.tsv`` for SSSOM), else a table.
* **Coverage.** :func:`coverage_report` prints the counts first, then one paragraph per article
  (or parent requirement), its rows listed by status; with ``explain`` each row carries its
  strongest path in a few characters (``9(2)(a) ← 6.1.2 (6)``), the starts of those paths are
  named once, above, and caveats are footnotes.

>>> pick_format(None, Path("answer.xlsx"), Format)
'xlsx'
>>> pick_format(None, Path("notes.txt"), Format)
'table'
>>> pick_format(Format.csv, Path("answer.xlsx"), Format)
'csv'
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.table import Table
from rich.text import Text

from graphsvc.errors import QueryParameterError
from graphsvc.exports.results import columns_of, to_csv, to_json, to_xlsx

#: Width when printing into a pipe or a file and COLUMNS is not set.
PIPE_WIDTH = 160


class AutoWidthConsole(Console):
    """A console whose width is ``COLUMNS`` when set (read at every print), the terminal's width on
    a terminal, and :data:`PIPE_WIDTH` into a pipe or a file."""

    @property
    def size(self) -> ConsoleDimensions:
        cols = os.environ.get("COLUMNS", "").strip()
        if cols.isdigit() and int(cols) > 0:
            return ConsoleDimensions(int(cols), super().size.height)
        if self.is_terminal:
            return super().size
        return ConsoleDimensions(PIPE_WIDTH, 25)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:  # pragma: no cover - rich's API, unused here
        self._width, self._height = new_size


def width() -> int:
    """The width output is laid out for now."""
    return out.size.width


# soft_wrap: a message line is never broken (one line to copy or grep); tables still fit the width
out = AutoWidthConsole(highlight=False, soft_wrap=True)
err = AutoWidthConsole(stderr=True, highlight=False, soft_wrap=True)


# -- formats ----------------------------------------------------------------------------------
#: What a command that prints rows can write; the commands that write mappings add their formats.
Format = StrEnum("Format", "table csv json xlsx")
CrosswalkFormat = StrEnum("CrosswalkFormat", "table csv json xlsx sssom oscal")
ProposeFormat = StrEnum("ProposeFormat", "table csv json sssom")
#: A review queue: a CSV to fill in and apply with ``review --file``, or JSON.
QueueFormat = StrEnum("QueueFormat", "table csv json")


#: The format a file's suffix asks for, when ``-f`` is not given.
SUFFIXES = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".tsv": "sssom", ".txt": "table"}
FORMAT_HELP = "Output format; default: from the -o file's suffix (.csv, .json, .xlsx, .tsv), else table."


def pick_format(fmt: Enum | str | None, output: Path | None, allowed: type[Enum], default: str = "table") -> str:
    """``-f`` as given, else the format the ``-o`` file's suffix names (when this command writes it),
    else ``default``."""
    if fmt is not None:
        return str(fmt.value if isinstance(fmt, Enum) else fmt)
    if output is not None:
        guess = SUFFIXES.get(output.suffix.lower())
        if guess in {m.value for m in allowed}:
            return guess
    return default


def write_output(data: str | bytes, output: Path | None) -> None:
    """Write to ``output`` (and say so on stderr), or to stdout.

    :raises QueryParameterError: binary data (a workbook) and no file to write it to.
    """
    if output is None:
        if isinstance(data, bytes):
            raise QueryParameterError("this format is binary (a workbook): give -o FILE")
        sys.stdout.write(data)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    except OSError as exc:
        raise QueryParameterError(f"-o {output}: cannot write it ({exc.strerror or exc})") from None
    err.print(f"wrote {output}", markup=False)


# -- tables ------------------------------------------------------------------------------------
#: Columns of prose, which may wrap at spaces; every other column holds identifiers, codes, dates
#: or numbers and is never wrapped.
PROSE = re.compile(
    r"title|label|explanation|reason|summary|comment|residual|matched|source_ref|issuer|holder|"
    r"description|caveat|params|note|text|statement|rationale|categories|roles|binds|name"
)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, title: str | None = None) -> Table:
    """A rich table; identifier columns are never wrapped (``no_wrap``), prose columns wrap."""
    from graphsvc.exports.results import _cell

    cols = columns_of(rows, columns)
    t = Table(title=title)
    for c in cols:
        if PROSE.search(c.lower()):
            t.add_column(c, overflow="fold")
        else:
            t.add_column(c, no_wrap=True, overflow="fold")
    for row in rows:
        t.add_row(*[_cell(row.get(c)) for c in cols])
    return t


def render_text(*renderables: Any) -> str:
    """Renderables as plain text (no colour), laid out for the current width: for ``-o FILE``."""
    buf = io.StringIO()
    console = Console(file=buf, width=width(), color_system=None, force_terminal=False, highlight=False)
    for r in renderables:
        console.print(r, soft_wrap=isinstance(r, str | Text))
    return buf.getvalue()


def print_with_head(
    head: Sequence[str], rows: Sequence[Mapping[str, Any]], columns: Sequence[str], output: Path | None
) -> None:
    """Header lines above a table, on stdout or into ``-o FILE``."""
    if output is not None:
        write_output(render_text(*head, table(rows, columns)), output)
        return
    for line in head:
        out.print(line, markup=False, soft_wrap=True)
    out.print(table(rows, columns))


def emit(
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    table_columns: Sequence[str] | None = None,
    title: str | None = None,
    output: Path | None = None,
    sheet: str = "rows",
) -> None:
    """Rows in ``fmt`` (table, csv, json or xlsx) to stdout or ``output``.

    ``columns`` are the CSV and workbook columns (default: every key), ``table_columns`` the
    table's (default: ``columns``); JSON always carries every key.
    """
    if fmt == "json":
        write_output(to_json(list(rows)) + "\n", output)
    elif fmt == "csv":
        write_output(to_csv(rows, columns), output)
    elif fmt == "xlsx":
        cols = columns_of(rows, columns)
        write_output(to_xlsx({sheet: [{c: r.get(c) for c in cols} for r in rows]}), output)
    elif fmt == "table":
        t = table(rows, table_columns or columns, title=title)
        if output is None:
            out.print(t)
        else:
            write_output(render_text(t), output)
    else:
        raise QueryParameterError(f"--format {fmt!r}: expected table, csv, json or xlsx")


class Lines:
    """Text lines for stdout or a file: coloured on a terminal, plain in a file."""

    def __init__(self) -> None:
        self.items: list[Text] = []

    def add(self, text: str | Text = "", style: str = "") -> None:
        self.items.append(text if isinstance(text, Text) else Text(text, style=style))

    def extend(self, items: Iterable[Text]) -> None:
        self.items.extend(items)

    def write(self, output: Path | None) -> None:
        if output is None:
            for t in self.items:
                out.print(t, soft_wrap=True)
        else:
            write_output("".join(t.plain + "\n" for t in self.items), output)

    def para(self, text: str, style: str = "", indent: int = 2) -> None:
        """A paragraph wrapped at spaces to the current width."""
        self.items.extend(wrap([(w, style) for w in text.split()], width(), indent))

    def __len__(self) -> int:
        return len(self.items)


def wrap(pieces: Sequence[tuple[str, str]], width: int, indent: int) -> list[Text]:
    """Pack ``(text, style)`` pieces into lines of at most ``width`` characters, with one space
    between pieces and ``indent`` spaces before each continuation line. A piece is never broken,
    so an identifier (a notation, a path) stays whole and can be copied."""
    lines: list[Text] = []
    cur = Text()
    for text, style in pieces:
        if cur.plain.strip() and len(cur.plain) + 1 + len(text) > width:
            lines.append(cur)
            cur = Text(" " * indent)
        elif cur.plain and not cur.plain.endswith(" "):
            cur.append(" ")
        cur.append(text, style=style)
    if cur.plain.strip():
        lines.append(cur)
    return lines


# -- coverage -----------------------------------------------------------------------------------
#: Coverage statuses, in the order sections are listed (graphsvc.domain.coverage.STATUSES, tested equal).
STATUSES = ("satisfied", "partial", "gap", "upcoming", "conditional", "not-applicable")
#: What the table shows unless --all or --status: what binds and what it comes to.
DEFAULT_SHOWN = ("satisfied", "partial", "upcoming", "gap")
_ORDER = ("satisfied", "partial", "upcoming", "conditional", "gap", "not-applicable")
_STYLE = {
    "satisfied": "bold green",
    "partial": "bold yellow",
    "gap": "bold red",
    "upcoming": "bold blue",
    "conditional": "bold magenta",
    "not-applicable": "dim",
}
CAVEAT_MARK = "†"


def parse_statuses(values: Sequence[str] | None) -> list[str] | None:
    """``--status satisfied,partial`` (repeatable) → ``["satisfied", "partial"]``; None when not given.

    :raises QueryParameterError: a value that is not a coverage status (the message lists them).
    """
    if not values:
        return None
    wanted = [x.strip() for v in values for x in v.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in STATUSES]
    if unknown:
        raise QueryParameterError(f"{', '.join(map(repr, unknown))}: expected {', '.join(STATUSES)}")
    return [s for s in STATUSES if s in wanted]


def _short(notation: str) -> str:
    return notation.replace("Article ", "Art. ", 1) if notation.startswith("Article ") else notation


def _start_key(start: Mapping[str, Any]) -> tuple[str, str]:
    return (start["kind"], start["id"])


def _starts(requirements: Iterable[Mapping[str, Any]], n_paths: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The distinct starts of the paths shown, in order of first use."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in requirements:
        for p in (r.get("paths") or [])[:n_paths]:
            seen.setdefault(_start_key(p["start"]), {**p["start"], "origin": p["origin"]})
    return seen


def _path_token(p: Mapping[str, Any], keys: Mapping[tuple[str, str], str]) -> str:
    """``6.1.2 (6)``, ``B: MANAGE 2.4 › 9(1) (4)`` (a start key when there are several starts,
    ``›`` before each intermediate requirement of a chain)."""
    key = keys.get(_start_key(p["start"]), "")
    if not p["hops"]:  # the start holds the target requirement itself
        return key or str(p["start"]["kind"]).replace("inherited-", "")
    via = [p["requirement"]["notation"], *[_short(h["to"]) for h in p["hops"][:-1]]]
    return f"{key + ': ' if key else ''}{' › '.join(via)} ({p['strength']})"


def _row_token(r: Mapping[str, Any], explain: bool, n_paths: int, keys: Mapping[tuple[str, str], str]) -> str:
    token = _short(r["notation"]) + (CAVEAT_MARK if r.get("caveat") else "")
    paths = (r.get("paths") or [])[:n_paths] if explain else []
    if paths:
        token += " ← " + " / ".join(_path_token(p, keys) for p in paths)
    return token


def _section_key(r: Mapping[str, Any], explain: bool) -> tuple[str, str]:
    """(status, label) of the section a row is listed in within its article."""
    status = r["status"]
    app = r.get("applicability") or {}
    if status == "upcoming":
        return status, f"upcoming {app.get('from') or ''}, then {r.get('would_be') or 'gap'}:"
    if status == "conditional":
        return status, f"conditional, then {r.get('would_be') or 'gap'}:"
    if status == "gap" and explain and (r.get("gap") or {}).get("kind") == "not-reached":
        return status, "gap, not reached:"
    if status == "not-applicable":
        return status, "not applicable:"
    return status, f"{status}:"


def coverage_groups(
    requirements: Sequence[Mapping[str, Any]],
    *,
    explain: bool,
    n_paths: int,
    keys: Mapping[tuple[str, str], str],
    line_width: int,
) -> list[Text]:
    """One paragraph per article (or parent): its number and title, the roles its rows bind (for a
    certificate looked at alone), then its rows by status."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in requirements:
        groups.setdefault(r.get("group") or r["notation"], []).append(r)
    head_width = max((len(_short(g)) for g in groups), default=0) + 2
    lines: list[Text] = []
    for g, rows in groups.items():
        # the head ends in spaces, so the title starts in the same column on every paragraph
        pieces: list[tuple[str, str]] = [(_short(g).ljust(head_width - 1), "bold")]
        pieces += [(w, "") for w in str(rows[0].get("group_title") or "").split()]
        if len(pieces) > 1:
            pieces[-1] = (pieces[-1][0] + " ·", pieces[-1][1])
        sections: dict[tuple[str, str], list[tuple[int, Mapping[str, Any]]]] = {}
        for i, r in sorted(enumerate(rows), key=lambda ir: _ORDER.index(ir[1]["status"])):
            sections.setdefault(_section_key(r, explain), []).append((i, r))
        for (status, label), members in sections.items():
            pieces.append((label, _STYLE[status]))
            tokens = [_row_token(r, explain, n_paths, keys) for _, r in members]
            # with paths, a comma ends each row's token; bare notations need none
            sep = "," if explain else ""
            pieces += [(t + (sep if i < len(tokens) - 1 else ""), "") for i, t in enumerate(tokens)]
        lines += wrap(pieces, line_width, head_width)
    return lines


def start_text(s: Mapping[str, Any]) -> str:
    """A start of paths in words: what it is, whose, and what holds it up (evidence, validity,
    what is left to the customer)."""
    kind = s["kind"].replace("inherited-", "")
    what = f"{kind} {s['label']}"
    if s["kind"].startswith("inherited") and s.get("system"):
        what += f" of {s['system'].removeprefix('gsd:system/')}"
    rests = (s.get("rests_on") or {}).get("label")
    if rests:
        what += f", through {rests}"
    notes = [{"own": "own", "inherited": "inherited, provided", "shared": "inherited, shared"}[s["origin"]]]
    notes += [f"evidence {e['label'] or e['id']} valid until {e['valid_until']}" for e in s.get("evidence") or []]
    if s.get("valid_until") and "control" not in s["kind"]:
        notes.append(f"valid until {s['valid_until']}")
    if s.get("residual"):
        notes.append(f"left to you: {s['residual']}")
    return f"{what} ({'; '.join(notes)})"


def _header(result: Mapping[str, Any], lines: Lines) -> None:
    """What was asked, on what date and law, and the counts."""
    from graphsvc.sources.layers import layer_header

    if "certificate" in result:
        c = result["certificate"]
        scope = c.get("scope") or []
        roles = sorted({role for s in scope for role in s["roles"]})
        held = f"held by {c['holder']}" + (
            f", {' and '.join(roles)} of the {len(scope)} system{'s' if len(scope) > 1 else ''} in its scope"
            if roles
            else ""
        )
        valid = "" if c.get("valid_on_date", True) else f" (not valid on {result['as_of']})"
        lines.extend(wrap([(c["label"], "bold"), *[(w, "") for w in held.split()]], width(), 2))
        lines.para(
            f"{c['framework']}; issued by {c['issuer']} (accredited by {c['accreditation']}); "
            f"valid {c['valid_from']} to {c['valid_until']}{valid}"
        )
        if c.get("rests_on"):
            b = c["rests_on"]
            lines.para(f"  rests on {b['label']} (valid {b.get('valid_from', '')} to {b.get('valid_until', '')})")
    elif "system" in result:
        sy = result["system"]
        lines.para(f"{sy['label']} ({sy['id']})", "bold")
        deps = ", ".join(d["label"] for d in sy["depends_on"])
        lines.para(
            f"  {sy['org_label']}; roles {', '.join(sy['roles'])}; categories {', '.join(sy['categories'])}"
            + (f"; builds on {deps}" if deps else "")
        )
    else:
        org = str(result["organisation"]).rsplit("/org/", 1)[-1]
        lines.para(f"organisation {org} ({len(result['systems'])} systems)", "bold")
    if result.get("law_layer"):
        lines.para(layer_header(result["law_layer"]))
    summary = result["summary"]
    counts = ", ".join(f"{k} {v}" for k, v in summary.items() if v) or "none"
    kinds = result.get("gap_kinds")
    if kinds and summary.get("gap"):
        counts += f" (gaps: no counterpart {kinds['no-counterpart']}, not reached {kinds['not-reached']})"
    lines.extend(
        wrap(
            [
                *[
                    (w, "")
                    for w in f"target {result['target']} on {result['as_of']} (law version: {result['law_version']}):".split()
                ],
                *[(w, "bold") for w in f"{sum(summary.values())} requirements: {counts}".split()],
            ],
            width(),
            2,
        )
    )
    if result.get("applicability"):
        from graphsvc.domain.coverage import NO_FILTER

        text = result["applicability"]
        if text == NO_FILTER:  # the table shows no roles per row; say what would filter instead
            text = "none (a certificate alone): give --system, or --role and --category, to judge it for an operator"
        lines.para(f"applicability: {text}")
    if "by_origin" in result:
        o = result["by_origin"]
        lines.para(
            f"covered through own controls/certificates {o['own']}, inherited {o['inherited']}, shared {o['shared']}"
        )


def _ignored(result: Mapping[str, Any], lines: Lines) -> None:
    """What did not count on the date, and why (after the rows: it explains gaps)."""
    for i in result.get("ignored", []):
        lines.para(f"not counted: {i['kind']} {i['id']} ({i['label']}): {i['reason']}", "dim")


def _requirements(result: Mapping[str, Any]) -> list[tuple[Mapping[str, Any] | None, list[Mapping[str, Any]]]]:
    if "systems" in result:
        return [(s, s["requirements"]) for s in result["systems"]]
    return [(None, result["requirements"])]


def _legend(
    result: Mapping[str, Any],
    listed: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
    keys: Mapping[tuple[str, str], str],
) -> str:
    """How to read a path, on the first row of the answer that has one."""
    tail = "; › marks a chain's middle step; all paths, with sources: -f json"
    for _, reqs in listed:
        for r in reqs:
            if r.get("paths"):
                p = r["paths"][0]
                req = p["requirement"]
                key = keys.get(_start_key(p["start"]))
                if key:
                    src = f"start {key} (below)"
                elif "certificate" in result:
                    src = "the " + str(result["certificate"].get("kind") or "certificate")
                else:
                    src = "the start below"
                token = f"{_short(r['notation'])} ← {_path_token(p, keys)}"
                verb = "implemented" if "control" in p["start"]["kind"] else "evidenced"
                if not p["hops"]:
                    return f"paths: “{token}”: {_short(r['notation'])} itself is {verb} by {src}, fully{tail}"
                return (
                    f"paths: “{token}”: {req['framework']} {req['notation']}, {verb} by {src}, reaches "
                    f"{_short(r['notation'])} at strength {p['strength']} of 10{tail}"
                )
    return "paths: none among the rows shown" + tail


def coverage_report(
    result: Mapping[str, Any],
    *,
    shown: Sequence[str],
    chosen: bool,
    explain: bool,
    n_paths: int = 1,
) -> Lines:
    """A coverage answer for people: what was asked and the counts, then what is shown (and how to
    see the rest), the starts of the paths, one paragraph per article, and the footnotes."""
    lines = Lines()
    _header(result, lines)
    # the counts of the whole answer (a --status filter keeps them), less what is listed
    hidden = {s: n for s, n in result["summary"].items() if s not in shown and n}
    shown_text = ", ".join(s for s in _ORDER if s in shown)
    note = f"shown: {shown_text} rows, by article" if result.get("target") == "euaia" else f"shown: {shown_text} rows"
    if hidden:
        note += "; not shown: " + ", ".join(f"{s} {n}" for s, n in hidden.items())
        note += " (--status picks statuses)" if chosen else " (--all shows every row)"
    if hidden or chosen:
        lines.para(note, "dim")
    line_width = width()
    listed = [(s, [r for r in reqs if r["status"] in shown]) for s, reqs in _requirements(result)]
    starts = _starts((r for _, reqs in listed for r in reqs), n_paths) if explain else {}
    keys: dict[tuple[str, str], str] = {}
    if explain:
        if len(starts) > 1:
            keys = {k: chr(ord("A") + i) if i < 26 else f"S{i}" for i, k in enumerate(starts)}
        lines.extend(wrap([(w, "dim") for w in _legend(result, listed, keys).split()], line_width, 2))
        if len(starts) == 1 and "certificate" not in result:
            (only,) = starts.values()
            lines.extend(wrap([(w, "") for w in f"every path starts at {start_text(only)}".split()], line_width, 2))
        elif len(starts) > 1:
            for k, st in starts.items():
                lines.extend(wrap([(keys[k], "bold"), *[(w, "") for w in start_text(st).split()]], line_width, 4))
    for system, reqs in listed:
        if system is not None:
            sy = system["system"]
            counts = ", ".join(f"{k} {v}" for k, v in system["summary"].items() if v)
            lines.add()
            lines.add(Text.assemble((f"{sy['label']} ({sy['id']})", "bold"), (f": {counts}", "")))
        if not reqs:
            lines.add("  (no rows of the statuses shown)", "dim")
            continue
        lines.extend(coverage_groups(reqs, explain=explain, n_paths=n_paths, keys=keys, line_width=line_width))
    caveats = [r for _, reqs in listed for r in reqs if r.get("caveat")]
    if caveats:
        c = result.get("certificate") or {}
        held = sorted({role for s in c.get("scope") or [] for role in s["roles"]})
        text = (
            f"{CAVEAT_MARK} binds a role that {c.get('holder', 'the holder')} does not hold for these systems "
            f"({' and '.join(held) or 'none recorded'}): the certificate shows the duty met only where the holder "
            "acts in that role itself; a deployer of these systems inherits it partly at most (coverage --system)"
        )
        lines.extend(wrap([(w, "") for w in text.split()], line_width, 2))
    _ignored(result, lines)
    return lines
