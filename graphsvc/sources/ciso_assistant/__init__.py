"""CISO Assistant libraries in and out.

`CISO Assistant <https://github.com/intuitem/ciso-assistant-community>`_ keeps frameworks and
crosswalks as YAML *libraries*: ``objects.framework`` lists ``requirement_nodes`` (URN,
ref_id, name, description, parent_urn, depth, assessable) and
``objects.requirement_mapping_set`` lists ``requirement_mappings`` (source and target
requirement URNs, relationship, strength_of_relationship, rationale, annotation).

- :mod:`~graphsvc.sources.ciso_assistant.library` reads and checks a library file (file:line errors);
- :mod:`~graphsvc.sources.ciso_assistant.convert` turns it into a catalog graph and mapping-set graphs;
- :mod:`~graphsvc.sources.ciso_assistant.kept` keeps imported files for ``graphsvc build`` and converts
  one against the known catalogs;
- :mod:`~graphsvc.imports.ciso_assistant` imports one into a live store atomically (it sits
  above the build, so this package does not import it: use
  ``from graphsvc.imports.ciso_assistant import import_library``);
- :mod:`~graphsvc.exports.ciso_assistant` writes graphsvc's catalogs and mapping sets back as
  library YAML (identifiers, titles and the project's own summaries only).

The field mapping, and what is lost each way, is in the README ("CISO Assistant libraries").
"""

from __future__ import annotations

from graphsvc.sources.ciso_assistant.kept import Options
from graphsvc.sources.ciso_assistant.library import Library, read_library

__all__ = [
    "Library",
    "Options",
    "read_library",
]
