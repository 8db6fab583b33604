"""Background and thinking audio, as ``background_audio.py`` writes it: a thinking sound while
the LLM works and a tool that starts or stops background music."""

from videosdk.agents import Agent, function_tool


class MusicAgent(Agent):
    def __init__(self, exclusive: bool = False):
        super().__init__(instructions="If asked for music, call control_background_music.")
        self.set_thinking_audio(volume=0.3)
        self.exclusive = exclusive

    async def on_enter(self) -> None:
        await self.session.say("Hello, how can I help you today?")

    async def on_exit(self) -> None:
        await self.session.say("Goodbye!")

    @function_tool
    async def control_background_music(self, action: str) -> str:
        """Play or stop background music.

        Args:
            action: 'play' to start the music, 'stop' to end it.
        """
        if action.lower() == "play":
            await self.play_background_audio(override_thinking=not self.exclusive, looping=True)
            return "Background music started."
        if action.lower() == "stop":
            await self.stop_background_audio()
            return "Background music stopped."
        return "Invalid action. Please use 'play' or 'stop'."
