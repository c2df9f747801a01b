"""Loading a user's files into a live store, atomically: organisations, a licensed AICM copy, OSCAL,
an organisation's control catalog and CISO Assistant libraries.

Each import checks everything first (syntax, identifiers against the graph, SHACL shapes),
then replaces the affected named graphs in one store transaction, so a failed import
changes nothing and readers see the graph before or after, never between. The imported
file is kept under ``<data_dir>/imports/`` so that a later ``graphsvc build`` loads it again.
"""
