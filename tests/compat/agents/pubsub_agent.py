"""PubSub, as ``pubsub_example.py`` writes it: a tool publishes on the room's ``CHAT`` topic and
the entrypoint subscribes to it (self-hosted: over the WebSocket or the page's data channel)."""

from videosdk import PubSubPublishConfig, PubSubSubscribeConfig
from videosdk.agents import Agent, JobContext, function_tool

RECEIVED: list[dict] = []


class PubSubAgent(Agent):
    def __init__(self, ctx: JobContext | None = None):
        super().__init__(instructions="You can send messages with send_pubsub_message.")
        self.ctx = ctx

    async def on_enter(self) -> None:
        await self.session.say("Hello, how can I help you today?")

    async def on_exit(self) -> None:
        pass

    @function_tool
    async def send_pubsub_message(self, message: str):
        """Send a message to the pubsub topic CHAT"""
        await self.ctx.room.publish_to_pubsub(PubSubPublishConfig(topic="CHAT", message=message))
        return "Message sent to pubsub topic CHAT"


def on_pubsub_message(message):
    RECEIVED.append(message)


async def subscribe(ctx: JobContext) -> None:
    await ctx.room.subscribe_to_pubsub(PubSubSubscribeConfig(topic="CHAT", cb=on_pubsub_message))
