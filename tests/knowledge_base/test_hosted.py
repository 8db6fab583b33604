"""The hosted search backend (the reference's managed knowledge base) against a local fake."""

from __future__ import annotations

import pytest
from tests.fakes.hosted_kb import FakeHostedKnowledgeBase

from vocalis.knowledge_base import KnowledgeBase, KnowledgeBaseConfig

DOCS = ["Refunds are paid within 14 days.", "The shop closes at six.", "Parcels take 3 days."]


@pytest.fixture
async def service():
    fake = await FakeHostedKnowledgeBase(token="secret", bases={"kb-1": DOCS}).start()
    yield fake
    await fake.stop()


def hosted(service, **options) -> KnowledgeBase:
    return KnowledgeBase(KnowledgeBaseConfig(
        id=options.pop("id", "kb-1"), top_k=2, api_base_url=service.url, **options
    ))


async def test_search_sends_the_reference_request_and_reads_the_results(service):
    kb = hosted(service, auth_token="secret")
    context = await kb.process_query("when does the shop close")
    assert context == (
        "Use the following context to answer the user:\n- The shop closes at six.\n"
        "- Refunds are paid within 14 days.\n"
    )
    request = service.requests[0]
    assert request["body"] == {"queryText": "when does the shop close", "topK": 2}
    assert request["headers"]["Authorization"] == "secret"
    assert [h.score for h in kb.last_hits] == [0.4, 0.0]
    await kb.aclose()


async def test_the_token_falls_back_to_the_environment(service, monkeypatch):
    monkeypatch.setenv("VIDEOSDK_AUTH_TOKEN", "secret")
    kb = hosted(service)
    assert await kb.retrieve_documents("refunds") != []
    await kb.aclose()


@pytest.mark.parametrize(
    ("options", "setup", "log"),
    [
        ({}, None, "no auth token"),
        ({"auth_token": "wrong"}, None, "HTTP 401"),
        ({"auth_token": "secret", "id": "nope"}, None, "HTTP 404"),
        ({"auth_token": "secret"}, {"fail_status": 503}, "HTTP 503"),
        ({"auth_token": "secret", "timeout": 0.2}, {"stall_seconds": 1.0}, "search failed"),
    ],
)
async def test_failures_give_no_documents_and_a_log_line(service, monkeypatch, caplog, options,
                                                          setup, log):
    monkeypatch.delenv("VIDEOSDK_AUTH_TOKEN", raising=False)
    for key, value in (setup or {}).items():
        setattr(service, key, value)
    kb = hosted(service, **options)
    assert await kb.process_query("refunds") is None
    assert any(log in r.getMessage() for r in caplog.records)
    await kb.aclose()


def test_the_config_is_validated():
    with pytest.raises(ValueError, match="id"):
        KnowledgeBaseConfig(id="")
    with pytest.raises(ValueError, match="top_k"):
        KnowledgeBaseConfig(id="x", top_k=0)
