"""Fixtures of the OpenAI plugin tests: fake servers and a clean environment."""

from __future__ import annotations

import pytest
from tests.fakes.openai_http import FakeOpenAIHTTP


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def http_fake():
    async with FakeOpenAIHTTP() as fake:
        yield fake


@pytest.fixture
async def ws_fake():
    from tests.fakes.openai_ws import FakeOpenAIWS

    async with FakeOpenAIWS() as fake:
        yield fake
