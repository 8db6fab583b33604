"""Hooks: the reference's hook example runs unchanged and its hooks behave as documented."""

from tests.compat.agents.hooks_agent import VoiceAgent, register_hooks, register_llm_stream_hook

from vocalis.testing import FakeLLM, FakeResponse, FakeTTS, ScriptedCall, UserScript, run_virtual


def test_reference_hook_example_transforms_stt_and_tts_streams_and_observes_turns():
    user = UserScript().says("um what are your working hours", at=3.0)
    llm = FakeLLM([FakeResponse("We open at 9 AM and close at 5 PM.")])
    tts = FakeTTS()
    call = ScriptedCall(VoiceAgent(), user, llm=llm, tts=tts)
    log: list = []
    register_hooks(call.pipeline, log)
    record = run_virtual(call.run(until=10.0))

    # stt hook: the transcript the agent reads went through the hook's clean-up
    assert record.user_texts() == ["what are your office hours"]
    assert [m.text_content for m in llm.requests[0].messages()][-1] == "what are your office hours"
    # tts hook: the text spoken went through run_tts after the hook's rewrite
    assert tts.texts == [
        "Hello!", "How can I help you today?", "We open at 9 A M and close at 5 P M.",
        "Goodbye!",  # on_exit at the end of the session
    ]
    # ... while the history keeps what the LLM said
    assert record.assistant_texts()[-1] == "We open at 9 AM and close at 5 PM."
    # lifecycle hooks with the reference's arguments, in the reference's order (then on_exit's
    # goodbye starts an agent turn as the session closes)
    assert log[:-1] == [
        ("agent_turn_start",),  # the greeting
        ("agent_turn_end",),
        ("user_turn_start", "what are your office hours"),
        ("agent_turn_start",),
        ("llm", "We open at 9 AM and close at 5 PM."),
        ("agent_turn_end",),
        ("user_turn_end",),
    ]
    assert not [p for _, n, p in record.events if n == "error"]


def test_streaming_llm_hook_rewrites_what_is_spoken_and_recorded():
    user = UserScript().says("tell me something", at=1.0)
    llm = FakeLLM([FakeResponse("This is **very** important. Really **bold**.")])
    tts = FakeTTS()
    call = ScriptedCall(VoiceAgent(), user, llm=llm, tts=tts)
    register_llm_stream_hook(call.pipeline)
    record = run_virtual(call.run(until=8.0))
    assert record.assistant_texts()[-1] == "This is very important. Really bold."
    assert "**" not in "".join(tts.texts)
    assert tts.texts[:2] == ["Hello!", "How can I help you today?"]  # say(): not through it


def test_a_plain_llm_hook_gets_a_dict_once_per_reply_and_may_replace_the_recorded_text():
    user = UserScript().says("what is my card", at=1.0)
    llm = FakeLLM([FakeResponse("Your card is 4111. It expires soon.")])
    call = ScriptedCall(VoiceAgent(), user, llm=llm)
    seen = []

    @call.pipeline.on("llm")
    async def redact(data: dict):
        seen.append(data)
        return data["text"].replace("4111", "[card]")

    record = run_virtual(call.run(until=8.0))
    assert seen == [{"text": "Your card is 4111. It expires soon."}]
    assert record.assistant_texts()[-1] == "Your card is [card]. It expires soon."


def test_an_stt_hook_that_fails_is_reported_and_restarted():
    user = UserScript().says("first words here", at=1.0).says("second words here", at=5.0)
    call = ScriptedCall(VoiceAgent(), user, llm=FakeLLM(default="Okay."))
    failures = []

    @call.pipeline.on("stt")
    async def flaky(audio_stream):
        from vocalis import run_stt

        if not failures:
            failures.append("once")
            raise RuntimeError("hook crashed")
        async for event in run_stt(audio_stream):
            yield event

    record = run_virtual(call.run(until=10.0))
    errors = [p for _, n, p in record.events if n == "error"]
    assert any("hook crashed" in e["error"] for e in errors)
    assert "second words here" in record.user_texts()
