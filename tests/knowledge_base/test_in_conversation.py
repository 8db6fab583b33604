"""The knowledge base in the reply path: documents shown to the LLM for a user turn (never
recorded), retrieval time in the turn metrics, hybrid realtime mode, and failures."""

from __future__ import annotations

import asyncio

from vocalis import Agent
from vocalis.knowledge_base import KnowledgeBase, KnowledgeBaseConfig, SearchHit
from vocalis.llm.items import ChatRole
from vocalis.testing import (
    FakeLLM,
    FakeRealtimeModel,
    FakeSTT,
    FakeVAD,
    ScriptedCall,
    UserScript,
    run_virtual,
)


class ShopDocuments:
    """A search backend over three sentences, taking 40 ms per query."""

    def __init__(self, fail: bool = False) -> None:
        self.queries: list[str] = []
        self.fail = fail

    async def search(self, query: str, top_k: int) -> list[SearchHit]:
        self.queries.append(query)
        await asyncio.sleep(0.04)
        if self.fail:
            raise ConnectionError("index offline")
        hit = SearchHit(1, "The shop closes at six.", "Hours", "Shop guide", "guide.md", 0.8)
        return [hit] if "close" in query else []

    async def aclose(self) -> None:
        pass


class Shop(Agent):
    def __init__(self, backend: ShopDocuments, greet: bool = True) -> None:
        kb = KnowledgeBase(KnowledgeBaseConfig(id="shop"), backend=backend)
        super().__init__(instructions="You answer shop questions.", knowledge_base=kb)
        self.greet = greet

    async def on_enter(self) -> None:
        if self.greet:
            await self.session.reply("Greet the caller.")


def _system_texts(ctx) -> list[str]:
    return [m.text_content for m in ctx.messages() if m.role is ChatRole.SYSTEM]


def test_documents_reach_the_llm_for_user_turns_only_and_are_timed():
    backend = ShopDocuments()
    user = UserScript().says("What time do you close", at=2.0).says("Thanks a lot", at=6.0)
    llm = FakeLLM(["Hello!", "We close at six.", "You're welcome."])
    record = run_virtual(ScriptedCall(Shop(backend), user, llm=llm).run(until=10.0))
    assert record.assistant_texts() == ["Hello!", "We close at six.", "You're welcome."]
    greeting, answer, thanks = llm.requests
    assert not any("context" in t for t in _system_texts(greeting))  # no user turn yet
    assert _system_texts(answer)[-1] == (
        "Use the following context to answer the user:\n"
        "- Shop guide > Hours: The shop closes at six.\n"
    )
    assert not any("closes at six" in t for t in _system_texts(thanks))  # nothing found
    assert backend.queries == ["What time do you close", "Thanks a lot"]
    # The context was shown, never recorded in the history.
    assert not any("Use the following context" in m.text_content
                   for m in record.chat_context.messages())
    turns = [t for t in record.metrics.turns if t.user_text]
    assert [t.knowledge_base_ms for t in turns] == [40.0, 40.0]
    assert turns[0].to_dict()["knowledge_base_ms"] == 40.0


def test_a_failing_knowledge_base_does_not_stop_the_turn(caplog):
    user = UserScript().says("What time do you close", at=1.0)
    llm = FakeLLM(["We close at six."])
    record = run_virtual(
        ScriptedCall(Shop(ShopDocuments(fail=True), greet=False), user, llm=llm).run(until=5.0)
    )
    assert record.assistant_texts() == ["We close at six."]
    assert not any("context" in t for t in _system_texts(llm.requests[0]))
    assert any("index offline" in r.getMessage() or "search failed" in r.getMessage()
               for r in caplog.records)


def test_hybrid_stt_sends_the_context_before_the_transcript():
    backend = ShopDocuments()
    user = UserScript().says("What time do you close", at=1.0)
    model = FakeRealtimeModel(user, ["We close at six."])
    call = ScriptedCall(Shop(backend, greet=False), user, llm=model, stt=FakeSTT(user),
                        vad=FakeVAD())
    assert call.pipeline.realtime_mode == "hybrid_stt"
    record = run_virtual(call.run(until=5.0))
    assert model.requests == [
        "Use the following context to answer the user:\n"
        "- Shop guide > Hours: The shop closes at six.\n\nUser: What time do you close"
    ]
    assert record.user_texts() == ["What time do you close"]
    assert record.metrics.turns[-1].knowledge_base_ms == 40.0
