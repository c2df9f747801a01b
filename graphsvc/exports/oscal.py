"""What graphsvc's OSCAL documents share: the OSCAL version written, the namespace of graphsvc's
props, name-based UUIDs and one-line text (the crosswalk's mapping collection,
:mod:`graphsvc.exports.crosswalk`, and the plan's POA&M, :mod:`graphsvc.exports.plan`).

>>> oscal_uuid("https://w3id.org/graphsvc", "tool") == oscal_uuid("https://w3id.org/graphsvc", "tool")
True
>>> one_line(" two\\n  lines ")
'two lines'
"""

from __future__ import annotations

import uuid
from typing import Any

OSCAL_VERSION = "1.2.1"  # the newest OSCAL version compliance-trestle 5.x reads (1.2.0-1.2.1)
#: Namespace of the graphsvc props in OSCAL output (strength, status, derived, …).
PROP_NS = "https://w3id.org/graphsvc/ontology"


def oscal_uuid(*parts: str) -> str:
    """A version-5 UUID of ``parts``: the same subjects give the same UUID after any rebuild."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(parts)))


def one_line(text: Any) -> str:
    """``text`` with every run of white space one space (OSCAL props hold one line)."""
    return " ".join(str(text).split())
