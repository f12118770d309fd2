"""Errors the API answers with: a status code and a message saying what was wrong.

SDMX RESTful web services (SDMX 2.1 Section 7, "Guidelines for the use of web services", 5.8 "Error
handling") map errors to HTTP status codes: 400 syntax error, 401 unauthorised, 403 forbidden, 404 no
results / unknown resource, 406 not acceptable, 413 response too large. Every error body is JSON
``{"status": <code>, "error": <title>, "message": <what was wrong>}``.
"""

from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    """An error answered with ``status`` and a message meant for the person who sent the request."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"status": self.status, "error": HTTPStatus(self.status).phrase, "message": self.message}


#: OpenAPI entries every route that reads the caller's token can answer.
TOKEN_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "A malformed, unknown, expired or revoked bearer token"},
    429: {"description": "Too many refused bearer tokens (or, for data, too many queries at once) from this "
                         "address"},
}
