"""PubSub over the page's data channel: the page's messages reach the subscribers, malformed
ones get an error reply, and what the agent publishes goes out as a ``pubsub`` message."""

import json

import pytest

pytest.importorskip("aiortc")

from vocalis.transports.webrtc.events import EventChannel


class FakeChannel:
    readyState = "open"

    def __init__(self):
        self.sent = []
        self.handlers = {}

    def on(self, event, handler):
        self.handlers[event] = handler

    def send(self, data):
        self.sent.append(json.loads(data))


def test_pubsub_messages_from_the_page_reach_the_room_and_bad_ones_are_answered():
    received = []
    channel = FakeChannel()
    events = EventChannel(on_pubsub=lambda *args: received.append(args))
    events.bind(channel)
    message = channel.handlers["message"]
    message(json.dumps({"type": "pubsub", "topic": "CHAT", "message": "hi", "payload": {"a": 1}}))
    message(json.dumps({"type": "pubsub", "topic": "", "message": "no topic"}))
    message(json.dumps({"type": "pubsub", "topic": "CHAT", "message": 5}))
    assert received == [("CHAT", "hi", {"a": 1})]
    errors = [m for m in channel.sent if m["type"] == "error"]
    assert len(errors) == 2 and "topic" in errors[0]["message"]


def test_published_messages_go_to_the_page():
    channel = FakeChannel()
    events = EventChannel()
    events.bind(channel)
    events.send({"type": "pubsub", "topic": "CHAT", "message": "from the agent"})
    assert channel.sent == [{"type": "pubsub", "topic": "CHAT", "message": "from the agent"}]
