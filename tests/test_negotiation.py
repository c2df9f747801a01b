"""Content negotiation (graphsvc.http.sparql.negotiation): Accept, format= read by query form, ASK never CSV/TSV."""

from __future__ import annotations

import pytest

from graphsvc.errors import BadRequest, NotAcceptable
from graphsvc.http.sparql.negotiation import (
    CSV,
    JSONLD,
    NTRIPLES,
    RDFXML,
    RESULTS_JSON,
    RESULTS_XML,
    TSV,
    TURTLE,
    choose_media,
)

#: What SPARQLWrapper 2.0 sends for each return format and query form: (format= values, Accept).
SPARQLWRAPPER = {
    ("SELECT", "json"): (
        ["json"],
        "application/sparql-results+json,application/json,text/javascript,application/javascript",
    ),
    ("SELECT", "xml"): (["xml"], "application/sparql-results+xml"),
    ("SELECT", "csv"): (["csv"], "text/csv"),
    ("SELECT", "tsv"): (["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
    ("ASK", "json"): (
        ["json"],
        "application/sparql-results+json,application/json,text/javascript,application/javascript",
    ),
    ("ASK", "xml"): (["xml"], "application/sparql-results+xml"),
    ("CONSTRUCT", "xml"): (["xml"], "application/rdf+xml"),
    ("CONSTRUCT", "rdf+xml"): (["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),
    ("CONSTRUCT", "turtle"): (["turtle"], "application/turtle,text/turtle"),
    ("CONSTRUCT", "n3"): (
        ["n3"],
        "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3",
    ),
    ("CONSTRUCT", "json-ld"): (
        ["json-ld", "application/ld+json,application/x-json+ld"],
        "application/ld+json,application/x-json+ld",
    ),
    ("CONSTRUCT", "json"): (["json"], "*/*"),
    ("CONSTRUCT", "rdf"): (["rdf"], "*/*"),
    ("DESCRIBE", "xml"): (["xml"], "application/rdf+xml"),
}
EXPECTED = {
    ("SELECT", "json"): RESULTS_JSON,
    ("SELECT", "xml"): RESULTS_XML,
    ("SELECT", "csv"): CSV,
    ("SELECT", "tsv"): TSV,
    ("ASK", "json"): RESULTS_JSON,
    ("ASK", "xml"): RESULTS_XML,
    ("CONSTRUCT", "xml"): RDFXML,
    ("CONSTRUCT", "rdf+xml"): RDFXML,
    ("CONSTRUCT", "turtle"): TURTLE,
    ("CONSTRUCT", "n3"): TURTLE,
    ("CONSTRUCT", "json-ld"): JSONLD,
    ("CONSTRUCT", "json"): JSONLD,
    ("CONSTRUCT", "rdf"): RDFXML,
    ("DESCRIBE", "xml"): RDFXML,
}


@pytest.mark.parametrize("case", sorted(SPARQLWRAPPER))
def test_what_sparqlwrapper_sends_gets_the_format_it_asked_for(case: tuple[str, str]) -> None:
    fmt, accept = SPARQLWRAPPER[case]
    assert choose_media(case[0], accept, fmt) == EXPECTED[case]


def test_format_never_overrides_an_accept_that_rules_it_out() -> None:
    assert choose_media("CONSTRUCT", "text/turtle", ["xml"]) == TURTLE
    assert choose_media("SELECT", "text/csv", ["json"]) == CSV
    # but picks among what Accept allows (a browser's Accept allows anything at a low q)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert choose_media("SELECT", browser, ["csv"]) == CSV
    assert choose_media("CONSTRUCT", browser, ["ntriples"]) == NTRIPLES


def test_a_format_this_form_does_not_offer_is_406_unless_accept_names_one() -> None:
    with pytest.raises(NotAcceptable):
        choose_media("ASK", None, ["turtle"])
    with pytest.raises(NotAcceptable):
        choose_media("SELECT", "*/*", ["turtle"])
    assert choose_media("ASK", "application/sparql-results+xml", ["turtle"]) == RESULTS_XML


def test_ask_is_never_csv_or_tsv() -> None:
    for accept, fmt in (("text/csv", None), ("text/tab-separated-values", None), (None, ["csv"]), (None, ["tsv"])):
        with pytest.raises(NotAcceptable, match="SELECT results only"):
            choose_media("ASK", accept, fmt)
    assert choose_media("ASK", "text/csv, */*;q=0.1", None) == RESULTS_JSON
    with pytest.raises(NotAcceptable):  # text/* matches no type an ASK result is offered as
        choose_media("ASK", "text/*", None)


def test_accept_aliases_by_form() -> None:
    assert choose_media("SELECT", "application/json", None) == RESULTS_JSON
    assert choose_media("CONSTRUCT", "application/json", None) == JSONLD
    assert choose_media("CONSTRUCT", "application/xml", None) == RDFXML
    assert choose_media("DESCRIBE", "text/n3", None) == TURTLE


def test_a_malformed_accept_is_400() -> None:
    with pytest.raises(BadRequest):
        choose_media("SELECT", "text/csv;q=2", None)
