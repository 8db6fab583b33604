"""Mapping of ``openai`` SDK and transport exceptions to Vocalis's typed errors."""

from __future__ import annotations

from typing import TypeVar

E = TypeVar("E", bound=Exception)


def describe_sdk_error(exc: BaseException) -> tuple[str, bool]:
    """A readable message for an SDK exception, and whether retrying may help."""
    import httpx
    import openai

    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
        return "request timed out", True
    if isinstance(exc, openai.APIStatusError):
        retryable = exc.status_code == 429 or exc.status_code >= 500
        return f"HTTP {exc.status_code}: {exc.message}", retryable
    if isinstance(exc, openai.APIConnectionError):
        return f"connection failed: {exc}", True
    return f"{type(exc).__name__}: {exc}", False


def wrap_sdk_error(exc: BaseException, error_type: type[E], prefix: str) -> E:
    """``error_type`` carrying the described SDK error, for ``raise ... from exc``."""
    message, _ = describe_sdk_error(exc)
    return error_type(f"{prefix}: {message}")
