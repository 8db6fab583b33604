"""PubSub, voicemail detection and DTMF written for the reference, on self-hosted transports."""

import asyncio
import json

import aiohttp
from tests.compat.agents import pubsub_agent
from tests.compat.agents.voicemail_agent import OutboundAgent, detector
from videosdk.agents import AgentSession, DTMFHandler, JobContext, Pipeline, RoomOptions

from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)
from vocalis.transports.server import serve


async def test_pubsub_over_the_websocket_both_ways(unused_tcp_port):
    pubsub_agent.RECEIVED.clear()
    digits: list[str] = []
    published = asyncio.Event()

    async def entrypoint(ctx: JobContext):
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("send_pubsub_message", {"message": "hello page"})]),
            FakeResponse("Sent."),
        ])
        session = AgentSession(agent=pubsub_agent.PubSubAgent(ctx), pipeline=Pipeline(llm=llm),
                               dtmf_handler=DTMFHandler(digits.append))
        await pubsub_agent.subscribe(ctx)
        await session.start()

    options = RoomOptions(transport_mode="websocket")
    options.websocket.port = unused_tcp_port
    server = asyncio.ensure_future(serve(entrypoint, room_options=options))
    try:
        async with aiohttp.ClientSession() as http:
            url = f"ws://127.0.0.1:{unused_tcp_port}/ws"
            for _ in range(100):
                try:
                    ws = await http.ws_connect(url)
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            messages = []

            async def read():
                async for msg in ws:
                    if msg.type is aiohttp.WSMsgType.TEXT:
                        data = json.loads(msg.data)
                        messages.append(data)
                        if data["type"] == "pubsub":
                            published.set()

            reader = asyncio.ensure_future(read())
            await ws.send_json({"type": "pubsub", "topic": "CHAT", "message": "hi agent"})
            await ws.send_json({"type": "pubsub", "topic": "DTMF_EVENT", "message": "",
                                "payload": {"number": "7"}})
            await ws.send_json({"type": "text", "text": "send a message to the page"})
            await asyncio.wait_for(published.wait(), 10)
            await ws.close()
            reader.cancel()
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)

    sent = [m for m in messages if m["type"] == "pubsub"]
    assert sent[0]["topic"] == "CHAT" and sent[0]["message"] == "hello page"
    assert {"id", "senderId", "timestamp", "payload"} <= set(sent[0])
    assert [(m["topic"], m["message"]) for m in pubsub_agent.RECEIVED] == [("CHAT", "hi agent")]
    assert digits == ["7"]


def test_the_voicemail_callback_runs_when_the_llm_says_voicemail():
    user = UserScript().says("Hi, you've reached Sam, please leave a message after the tone", at=0.5)
    classifier = FakeLLM([FakeResponse("Yes")])
    agent = OutboundAgent()
    call = ScriptedCall(agent, user, llm=FakeLLM(default="Hello!"), tts=FakeTTS(),
                        voice_mail_detector=detector(classifier, agent))
    results = []
    call.session.on("voicemail_result", lambda payload: results.append(payload))
    record = run_virtual(call.run(until=12.0))
    assert results == [{"is_voicemail": True}]
    assert agent.left_voicemail and record.session.is_voicemail_detected
    assert "Sorry we missed you, we will call back later." in record.assistant_texts()
    prompt = classifier.requests[0].messages()[-1].text_content
    assert prompt.startswith("Text to classify: Hi, you've reached Sam")


def test_a_human_answering_is_not_a_voicemail():
    user = UserScript().says("Hello, who is this?", at=0.5)
    agent = OutboundAgent()
    call = ScriptedCall(agent, user, llm=FakeLLM(default="Hi!"), tts=FakeTTS(),
                        voice_mail_detector=detector(FakeLLM([FakeResponse("no")]), agent))
    record = run_virtual(call.run(until=8.0))
    assert not agent.left_voicemail and not record.session.is_voicemail_detected
