"""Provider fallback, as ``fallback_recovery.py`` writes it: lists of providers in priority
order, wrapped in FallbackSTT / FallbackLLM / FallbackTTS."""

from videosdk.agents import Agent, FallbackLLM, FallbackSTT, FallbackTTS


class SupportAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You are a support agent.")

    async def on_enter(self) -> None:
        pass

    async def on_exit(self) -> None:
        pass


def fallback_components(stts, llms, ttss):
    return (
        FallbackSTT(stts, temporary_disable_sec=30.0, permanent_disable_after_attempts=3),
        FallbackLLM(llms, temporary_disable_sec=30.0, permanent_disable_after_attempts=3),
        FallbackTTS(ttss, temporary_disable_sec=30.0, permanent_disable_after_attempts=3),
    )
