"""The exceptions graphsvc raises, one class per failure a user can act on.

Every class carries a stable ``code`` (used in JSON error bodies) and an
``http_status`` (used by the API). None of them imports a framework.

::

    GraphSvcError
    ├── ConfigError             bad setting, unknown key, unreadable config file
    ├── DataLoadError           a shipped or imported file is malformed (file:line, field)
    │   └── ValidationError     SHACL shapes rejected the data
    ├── ReasonerError           OWL reasoning failed (no Java, inconsistent ontology)
    ├── StoreError              the store cannot be opened or written
    ├── UnknownTerm(KeyError)   a CURIE, framework, system, certificate … that is not in the graph
    ├── QueryNotFound(KeyError) no named query of that name
    ├── QueryParameterError     a named query parameter is missing, unknown or of the wrong type
    ├── QuerySyntaxError        a SPARQL text or .rq file does not parse
    ├── QueryRefused            a query or update is not allowed (SERVICE, LOAD, other tenant …)
    ├── QueryTimeout            a query ran past the configured timeout
    ├── AuthError               missing or bad credentials
    │   └── TooManyRequests     too many failed keys from one client: wait Retry-After seconds (429)
    ├── Forbidden               authenticated, but not allowed to do this
    ├── BadRequest(ValueError)  a malformed HTTP request (header, parameter)
    ├── NotAcceptable           no media type in Accept can carry the answer (406)
    ├── UnsupportedMediaType    a request body of a type the endpoint does not read (415)
    ├── PayloadTooLarge         a request body over the body limit (413)
    ├── UpdateFailed            the engine refused an update while applying it; nothing changed
    └── Conflict                the thing to create exists already (409)
"""

from __future__ import annotations


class GraphSvcError(Exception):
    """Base class of every error graphsvc raises on purpose."""

    code = "error"
    http_status = 500
    default_message = "graphsvc failed"

    def __init__(self, message: str | None = None, *, errors: list[str] | None = None) -> None:
        self.message = message or self.default_message
        self.errors = errors or [self.message]
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ConfigError(GraphSvcError):
    """A setting is unknown, malformed or contradicts another."""

    code = "config_error"
    http_status = 500
    default_message = "invalid configuration"


class DataLoadError(GraphSvcError):
    """A data file could not be read; the message names file, line or row, and field."""

    code = "data_load_error"
    http_status = 400
    default_message = "the data could not be loaded"


class ValidationError(DataLoadError):
    """SHACL validation rejected the data; ``errors`` lists each violation."""

    code = "validation_error"
    http_status = 422
    default_message = "the data does not conform to the shapes"


class ReasonerError(GraphSvcError):
    """The OWL reasoner could not run or found the ontology inconsistent."""

    code = "reasoner_error"
    http_status = 500
    default_message = "OWL reasoning failed"


class InternalError(GraphSvcError):
    """A fault of graphsvc itself, neither the request's nor the store's: a bug to report. The
    answer says no more; the server log has the details."""

    code = "internal_error"
    http_status = 500
    default_message = "internal error; the server log has the details"


class StoreError(GraphSvcError):
    """The store could not be opened, read or written."""

    code = "store_error"
    http_status = 503
    default_message = "the store is not available"


class UnknownTerm(GraphSvcError, KeyError):
    """A name the user gave (CURIE, framework, system, certificate…) is not in the graph."""

    code = "unknown_term"
    http_status = 404
    default_message = "unknown identifier"

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class QueryNotFound(GraphSvcError, KeyError):
    """No named query of that name exists in queries/."""

    code = "query_not_found"
    http_status = 404
    default_message = "no such named query"

    def __str__(self) -> str:
        return self.message


class QueryParameterError(GraphSvcError, ValueError):
    """A query parameter is missing, unknown, or cannot become the RDF term it must be."""

    code = "query_parameter_error"
    http_status = 400
    default_message = "invalid query parameter"


class QuerySyntaxError(GraphSvcError, ValueError):
    """A SPARQL query or update does not parse."""

    code = "query_syntax_error"
    http_status = 400
    default_message = "the SPARQL text does not parse"


class QueryRefused(GraphSvcError):
    """The query or update asks for something graphsvc never does for a caller."""

    code = "query_refused"
    http_status = 403
    default_message = "this query is not allowed"


class QueryTimeout(GraphSvcError):
    """The query ran longer than the configured timeout and was stopped."""

    code = "query_timeout"
    http_status = 503
    default_message = "the query took too long and was stopped"


class AuthError(GraphSvcError):
    """No credentials, or credentials that do not match a key."""

    code = "unauthorized"
    http_status = 401
    default_message = "a valid API key is required (Authorization: Bearer KEY)"


class Forbidden(GraphSvcError):
    """The caller is known but may not do this."""

    code = "forbidden"
    http_status = 403
    default_message = "this key may not do that"


class NotAcceptable(GraphSvcError):
    """No format the caller accepts can carry this answer."""

    code = "not_acceptable"
    http_status = 406
    default_message = "none of the media types in Accept can carry this result"


class BadRequest(GraphSvcError, ValueError):
    """The request is malformed (a header, a missing or doubled parameter)."""

    code = "bad_request"
    http_status = 400
    default_message = "malformed request"


class UnsupportedMediaType(GraphSvcError):
    """The request body's Content-Type is not one this endpoint reads."""

    code = "unsupported_media_type"
    http_status = 415
    default_message = "unsupported Content-Type"


class UpdateFailed(GraphSvcError):
    """pyoxigraph refused an update while applying it (e.g. CREATE of an existing graph); nothing changed."""

    code = "update_failed"
    http_status = 400
    default_message = "the update failed and changed nothing"


class PayloadTooLarge(GraphSvcError):
    """The request body is larger than ``settings.body_limit``."""

    code = "payload_too_large"
    http_status = 413
    default_message = "the request body is too large"


class Conflict(GraphSvcError):
    """The thing to create exists already."""

    code = "conflict"
    http_status = 409
    default_message = "it exists already"


class TooManyRequests(GraphSvcError):
    """The caller used up its share (concurrent queries, or failed API keys from one client);
    answered with ``Retry-After: retry_after`` seconds."""

    code = "too_many_requests"
    http_status = 429
    default_message = "too many requests; try again shortly"

    def __init__(self, message: str | None = None, *, errors: list[str] | None = None, retry_after: int = 1) -> None:
        super().__init__(message, errors=errors)
        self.retry_after = retry_after


class QueryResourceLimit(GraphSvcError):
    """A query went past a resource limit of its worker (memory) and was stopped."""

    code = "query_resource_limit"
    http_status = 400
    default_message = "the query went past a resource limit and was stopped"
