"""LiveKit's connection options and typed API errors, as ``livekit.agents`` defines them.

``APIConnectOptions`` is sent to the gateway as ``{"connection": {"timeout", "retries"}}`` and
drives the client-side connect/receive timeouts and retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class APIConnectOptions:
    """Retries and timeouts of one request or stream."""

    max_retry: int = 3
    retry_interval: float = 2.0
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.max_retry < 0:
            raise ValueError("max_retry must be >= 0")
        if self.retry_interval < 0:
            raise ValueError("retry_interval must be >= 0")
        if self.timeout < 0:
            raise ValueError("timeout must be >= 0")

    def interval_for_retry(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (0-based): the first retry is immediate, as
        in LiveKit (``_interval_for_retry``)."""
        return 0.1 if attempt == 0 else self.retry_interval

    def to_gateway(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "retries": self.max_retry}


DEFAULT_API_CONNECT_OPTIONS = APIConnectOptions()


class APIError(Exception):
    """A failure of the inference gateway or its provider."""

    def __init__(self, message: str, *, body: Any = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.retryable = retryable


class APIStatusError(APIError):
    """The gateway answered with an error status (HTTP status or protocol error code)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = -1,
        request_id: str | None = None,
        body: Any = None,
        retryable: bool | None = None,
    ) -> None:
        if retryable is None:
            retryable = status_code in (-1, 408, 409, 429) or status_code >= 500
        super().__init__(message, body=body, retryable=retryable)
        self.status_code = status_code
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.message} (status_code={self.status_code}, request_id={self.request_id})"


class APIConnectionError(APIError):
    """The gateway could not be reached or the connection broke."""

    def __init__(self, message: str = "Connection error.", *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)


class APITimeoutError(APIConnectionError):
    """The gateway did not answer in time."""

    def __init__(self, message: str = "Request timed out.", *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)


def create_api_error_from_http(message: str, status: int) -> APIStatusError:
    """The error of an HTTP failure at a WebSocket handshake or request."""
    return APIStatusError(message, status_code=status)
