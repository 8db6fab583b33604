"""Scenarios: handoffs with and without inherited context; LLM, STT and TTS failures with
fallback providers."""

from __future__ import annotations

from tests.scenarios.agents import Greeter

from vocalis import Agent, FallbackLLM, FallbackSTT, FallbackTTS, function_tool
from vocalis.pipeline.options import DEFAULT_LLM_ERROR_MESSAGE
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeToolCall,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)


class Billing(Agent):
    def __init__(self, inherit: bool):
        super().__init__(instructions="You handle billing.", inherit_context=inherit, name="billing")

    async def on_enter(self) -> None:
        await self.session.say("Billing here, how can I help?")


class FrontDesk(Agent):
    def __init__(self, inherit: bool):
        super().__init__(instructions="You route calls.", name="front_desk")
        self.inherit = inherit

    @function_tool
    async def transfer_to_billing(self) -> Agent:
        """Transfer the caller to billing."""
        return Billing(self.inherit)


def _handoff_call(inherit: bool):
    user = UserScript().says("I have a question about my invoice", at=1.0).says("Why was I charged twice", at=6.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("transfer_to_billing")]),
        FakeResponse("Let me look at your invoice."),
    ])
    call = ScriptedCall(FrontDesk(inherit), user, llm=llm)
    return run_virtual(call.run(until=10.0)), llm


def test_handoff_with_inherited_context_carries_the_history():
    record, llm = _handoff_call(inherit=True)
    agent = record.session.agent
    assert agent.name == "billing"
    texts = [m.text_content for m in agent.chat_context.messages()]
    assert texts[0] == "You handle billing."
    assert "I have a question about my invoice" in texts
    assert texts[-2:] == ["Why was I charged twice", "Let me look at your invoice."]
    assert "Billing here, how can I help?" in texts
    assert any(i.type == "agent_handoff" for i in agent.chat_context.items)
    # The billing agent's LLM request saw the earlier question.
    last = [m.text_content for m in llm.requests[-1].messages()]
    assert "I have a question about my invoice" in last
    assert [p for _, n, p in record.events if n == "agent_handoff"] == [{"from": "front_desk", "to": "billing"}]


def test_handoff_without_inherited_context_starts_fresh():
    record, llm = _handoff_call(inherit=False)
    agent = record.session.agent
    texts = [m.text_content for m in agent.chat_context.messages()]
    assert "I have a question about my invoice" not in texts
    assert texts == [
        "You handle billing.",
        "Billing here, how can I help?",
        "Why was I charged twice",
        "Let me look at your invoice.",
    ]
    last = [m.text_content for m in llm.requests[-1].messages()]
    assert "I have a question about my invoice" not in last


def test_llm_failure_falls_back_to_the_next_provider():
    broken = FakeLLM([FakeResponse(error="503 from provider")], default=FakeResponse(error="down"))
    backup = FakeLLM(default="Backup answer.")
    llm = FallbackLLM([broken, backup])
    user = UserScript().says("Hello there", at=1.0).says("Are you still there", at=5.0)
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=9.0))
    assert record.assistant_texts() == ["Backup answer.", "Backup answer."]
    assert llm.active_provider is backup
    assert len(broken.requests) == 1


def test_llm_failure_without_fallback_is_reported_and_the_call_goes_on():
    llm = FakeLLM([FakeResponse(error="503 from provider"), FakeResponse("Now it works.")])
    user = UserScript().says("Hello there", at=1.0).says("Hello again", at=5.0)
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=llm).run(until=9.0))
    errors = [p for _, n, p in record.events if n == "error"]
    assert errors and errors[0]["source"] == "llm" and "503" in errors[0]["error"]
    # The caller is never left in silence: the failed turn gets a short spoken apology.
    apology, answer = record.assistant_texts()
    assert DEFAULT_LLM_ERROR_MESSAGE.startswith(apology) and answer == "Now it works."
    assert any(1.0 < start < 5.0 for start, _ in record.agent_speech())
    assert [s for _, s in record.states()][-1] == "closing"


def test_tts_failure_falls_back_to_the_next_provider():
    tts = FallbackTTS([FakeTTS(fail=True), FakeTTS()])
    user = UserScript().says("Hello there", at=1.0)
    record = run_virtual(
        ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(default="Hi."), tts=tts).run(until=5.0)
    )
    assert record.assistant_texts() == ["Hi."]
    assert record.agent_speech(), "the backup TTS was heard"


def test_stt_failure_falls_back_to_the_next_provider():
    # The primary fails on its first audio, so the backup hears the call from the start (the
    # fake STTs map audio position to the script; mid-call replay is unit-tested elsewhere).
    user = UserScript().says("Hello there", at=1.0).says("What is new", at=4.0)
    primary = FakeSTT(user, fail_after=0.0)
    stt = FallbackSTT([primary, FakeSTT(user)])
    record = run_virtual(
        ScriptedCall(Greeter(greeting=None), user, llm=FakeLLM(default="Hi."), stt=stt).run(until=8.0)
    )
    assert record.user_texts() == ["Hello there", "What is new"]
    assert record.assistant_texts() == ["Hi.", "Hi."]
    assert primary.transcripts == []


def test_typed_text_turn_in_a_voice_call():
    import asyncio

    async def scenario():
        call = ScriptedCall(Greeter(greeting=None), UserScript(), llm=FakeLLM(default="Got your message."))
        run = asyncio.ensure_future(call.run(until=4.0))
        await asyncio.sleep(1.0)
        await call.session.send_text("I typed this")
        return await run

    record = run_virtual(scenario())
    assert record.user_texts() == ["I typed this"]
    assert record.assistant_texts() == ["Got your message."]
    assert record.agent_speech()
