"""The basis of an attestation: the certificate it rests on.

A CSA STAR for AI Level 2 attestation is granted to an organisation that holds an ISO/IEC
42001 certificate from an accredited body (plus a rated AI-CAIQ). The organisation file
records that basis as ``rests_on: <certificate id>`` on the attestation; it becomes
``gs:restsOn``, and coverage from the attestation then starts from every requirement the
certificate evidences (:func:`graphsvc.domain.coverage.certificate_coverage`), each path naming the
attestation and the certificate it rests on.
"""

from __future__ import annotations

from typing import Any

from graphsvc.namespaces import GSD
from graphsvc.store.base import TripleTuple
from graphsvc.terms import g, iri

#: The attestation levels that rest on a certificate, and the framework edition it must be for.
NEEDS_BASIS = {"level-2": "iso42001-2023"}


def attestation_basis(
    a: dict[str, Any], reader: Any, level: str, org_id: str, certificates: dict[str, str]
) -> list[TripleTuple]:
    """The ``gs:restsOn`` triple of one attestation entry, checked.

    ``certificates`` maps the organisation's certificate ids (listed before its attestations)
    to their framework editions.

    :raises DataLoadError: a Level 2 attestation without ``rests_on``, or one naming an unknown
        certificate or a certificate for another framework, with the file, line and field.
    """
    basis = a.get("rests_on")
    wanted = NEEDS_BASIS.get(level)
    if basis in (None, ""):
        if wanted:
            raise reader.fail(a, "rests_on", f"a {level} attestation rests on a {wanted} certificate: name it")
        return []
    basis = str(basis)
    if basis not in certificates:
        known = ", ".join(sorted(certificates)) or "none"
        raise reader.fail(a, "rests_on", f"{basis!r} is not a certificate of this organisation (have: {known})")
    if wanted and certificates[basis] != wanted:
        raise reader.fail(a, "rests_on", f"{basis!r} is a {certificates[basis]} certificate; {level} needs {wanted}")
    A = iri(f"{GSD}attestation/{org_id}/{reader.ident(a)}")
    return [(A, g("restsOn"), iri(f"{GSD}certificate/{org_id}/{basis}"))]
