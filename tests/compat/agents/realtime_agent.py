"""A realtime (speech-to-speech) agent with a tool, as ``realtime_basic.py`` writes it; the
model is passed in (OpenAIRealtime in the reference, a scripted model in the tests)."""

from videosdk.agents import Agent, Pipeline, function_tool


class RealtimeAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You are a concise realtime assistant.")

    async def on_enter(self) -> None:
        pass

    async def on_exit(self) -> None:
        pass

    @function_tool
    async def get_horoscope(self, sign: str) -> dict:
        """Get today's horoscope for a sign."""
        return {"sign": sign, "horoscope": "A good day for voice agents."}


def make_pipeline(model) -> Pipeline:
    return Pipeline(llm=model)
