"""Typed errors the engine raises, each with a message a user can act on."""

from __future__ import annotations


class WebGenError(Exception):
    """Base class of every error the engine raises on purpose."""


class ModelError(WebGenError):
    """A model server call failed.

    Attributes:
        retryable: Whether trying the same call again later may succeed.
    """

    retryable: bool = False


class ModelUnreachable(ModelError):
    """The model server could not be reached (refused, DNS, reset)."""

    retryable = True


class ModelTimeout(ModelError):
    """The model server did not answer in time."""

    retryable = True


class ModelRateLimited(ModelError):
    """The server answered 429 Too Many Requests."""

    retryable = True
    retry_after_s: float | None = None
    """Seconds the server asked to wait (its ``Retry-After`` header), when it said."""


class ModelServerError(ModelError):
    """The server answered with a 5xx status."""

    retryable = True


class ModelReplyCut(ModelError):
    """A streamed reply ended without the server saying it was finished: it was cut short.

    llama-cpp-python's server does this to a stream when another request arrives. Asking
    again, alone, gives the whole reply.
    """

    retryable = True


class ModelAuthError(ModelError):
    """The server rejected the credentials (401/403)."""


class ModelNotFound(ModelError):
    """The configured model does not exist on the server."""


class ModelBadRequest(ModelError):
    """The server refused the request as malformed (other 4xx)."""


class ConfigError(WebGenError):
    """Settings are missing or inconsistent."""


class WorkspaceViolation(WebGenError):
    """A write or command would leave the run's workspace or break its limits."""


class CommandRefused(WebGenError):
    """A shell command from the model is not on the allowlist."""


class RuntimeFailure(WebGenError):
    """Installing or serving the site failed.

    Attributes:
        phase: ``install`` or ``serve``.
        log_tail: The last lines of the relevant process output.
    """

    def __init__(self, message: str, *, phase: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.phase = phase
        self.log_tail = log_tail


class BrowserUnavailable(WebGenError):
    """No Chromium or Chrome could be found or launched."""


class RunStoreError(WebGenError):
    """A run directory is missing, unreadable or of an unknown schema."""
