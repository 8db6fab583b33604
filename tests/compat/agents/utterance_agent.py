"""Utterance handles in tools, as ``utterance_handle_agent.py`` writes them: a long task that
stops when the user interrupts the reply (``self.session.current_utterance.interrupted``)."""

import asyncio

from videosdk.agents import Agent, UtteranceHandle, function_tool


class VoiceAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You are a helpful voice assistant.")
        self.progress: list[int] = []
        self.seen_handle: UtteranceHandle | None = None

    async def on_enter(self) -> None:
        await self.session.say("Hello, how can I help you today?")

    async def on_exit(self) -> None:
        pass

    @function_tool
    async def long_running_task(self) -> str:
        """Simulates a long-running task that can be interrupted."""
        utterance: UtteranceHandle | None = self.session.current_utterance
        self.seen_handle = utterance
        for i in range(10):
            if utterance and utterance.interrupted:
                return "The task was cancelled because you interrupted me."
            self.progress.append(i)
            await asyncio.sleep(1)
        return "The long task is finally complete."
