"""Credentials and clients for the OpenAI plugin: API keys, local servers, Azure, timeouts.

A key comes from the parameter or ``OPENAI_API_KEY``. When ``base_url`` points at a server on
this machine (Ollama, llama.cpp, vLLM on ``localhost`` / ``127.0.0.1`` / ``::1``), a missing
key is replaced by the placeholder ``LOCAL_PLACEHOLDER_KEY``, since those servers ignore it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

#: Sent as the bearer token to a local OpenAI-compatible server when no key is configured.
LOCAL_PLACEHOLDER_KEY = "vocalis-local-no-key"

DEFAULT_BASE_URL = "https://api.openai.com/v1"

_LOCAL_HOSTS = {"localhost", "localhost.localdomain", "host.docker.internal"}


class MissingAPIKeyError(ValueError):
    """No API key was given and none is configured in the environment."""


def is_local_url(url: str | None) -> bool:
    """Whether ``url`` points at a server on this machine (loopback or ``localhost``)."""
    if not url:
        return False
    host = (urlparse(url).hostname or "").lower()
    if host in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_api_key(api_key: str | None, base_url: str | None, *, component: str) -> str:
    """The key to use: the parameter, then ``OPENAI_API_KEY``, then the local placeholder."""
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if key:
        return key
    if is_local_url(base_url):
        return LOCAL_PLACEHOLDER_KEY
    raise MissingAPIKeyError(
        f"{component}: no OpenAI API key. Pass api_key=... or set OPENAI_API_KEY "
        "(a key is optional only when base_url points at a local server)."
    )


def make_timeout(timeout: float | httpx.Timeout | None, *, read: float) -> httpx.Timeout:
    """An httpx timeout: the reference's (connect 15 s, write 5 s, pool 5 s) by default."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is not None:
        return httpx.Timeout(timeout)
    return httpx.Timeout(connect=15.0, read=read, write=5.0, pool=5.0)


def read_timeout(timeout: httpx.Timeout) -> float | None:
    """The read timeout of an httpx timeout (used for WebSocket reads)."""
    return timeout.read


def make_http_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The pooled HTTP client the reference configures for the SDK."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        limits=httpx.Limits(
            max_connections=50, max_keepalive_connections=50, keepalive_expiry=120
        ),
    )


@dataclass
class AzureSettings:
    """Azure OpenAI settings, filled from the ``AZURE_OPENAI_*`` environment variables."""

    azure_endpoint: str | None
    azure_deployment: str | None
    api_version: str | None
    api_key: str | None
    azure_ad_token: str | None
    organization: str | None
    project: str | None
    base_url: str | None = None
    """A full deployment URL; replaces ``azure_endpoint`` and ``azure_deployment``."""

    @classmethod
    def from_env(
        cls,
        *,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_version: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
    ) -> AzureSettings:
        endpoint = azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint and not base_url:
            raise ValueError("Azure OpenAI: azure_endpoint or AZURE_OPENAI_ENDPOINT is required")
        key = api_key or os.environ.get("AZURE_OPENAI_API_KEY")
        token = azure_ad_token or os.environ.get("AZURE_OPENAI_AD_TOKEN")
        if not key and not token:
            raise MissingAPIKeyError(
                "Azure OpenAI: pass api_key / azure_ad_token or set AZURE_OPENAI_API_KEY / "
                "AZURE_OPENAI_AD_TOKEN"
            )
        return cls(
            azure_endpoint=None if base_url else endpoint,
            base_url=base_url,
            azure_deployment=azure_deployment
            or os.environ.get("AZURE_OPENAI_DEPLOYMENT")
            or model,
            api_version=api_version or os.environ.get("OPENAI_API_VERSION"),
            api_key=key,
            azure_ad_token=token,
            organization=organization or os.environ.get("OPENAI_ORG_ID"),
            project=project or os.environ.get("OPENAI_PROJECT_ID"),
        )

    def client(self, timeout: httpx.Timeout) -> Any:
        """An ``openai.AsyncAzureOpenAI`` client for these settings."""
        from openai import AsyncAzureOpenAI

        if self.base_url:
            return AsyncAzureOpenAI(
                base_url=self.base_url, api_version=self.api_version, api_key=self.api_key,
                azure_ad_token=self.azure_ad_token, organization=self.organization,
                project=self.project, max_retries=0, http_client=make_http_client(timeout),
            )
        return AsyncAzureOpenAI(
            azure_endpoint=self.azure_endpoint,  # type: ignore[arg-type]
            azure_deployment=self.azure_deployment,
            api_version=self.api_version,
            api_key=self.api_key,
            azure_ad_token=self.azure_ad_token,
            organization=self.organization,
            project=self.project,
            max_retries=0,
            http_client=make_http_client(timeout),
        )


def make_openai_client(
    *,
    api_key: str,
    base_url: str | None,
    timeout: httpx.Timeout,
    organization: str | None = None,
    project: str | None = None,
    max_retries: int = 0,
) -> Any:
    """An ``openai.AsyncOpenAI`` client; the org and project fall back to the environment."""
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        organization=organization or os.environ.get("OPENAI_ORG_ID"),
        project=project or os.environ.get("OPENAI_PROJECT_ID"),
        max_retries=max_retries,
        http_client=make_http_client(timeout),
    )
