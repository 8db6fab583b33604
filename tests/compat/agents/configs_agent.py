"""EOU and interruption settings, as ``cascade_advanced.py`` writes them: a greeting that
cannot be interrupted, ``EOUConfig`` and ``InterruptConfig`` on the pipeline."""

from videosdk.agents import Agent, EOUConfig, InterruptConfig

GREETING = (
    "This example showcases advanced cascade features, including interruptible speech: this "
    "message can not be interrupted."
)


class VoiceAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You are a helpful voice assistant.")

    async def on_enter(self) -> None:
        await self.session.say(GREETING, interruptible=False)

    async def on_exit(self) -> None:
        await self.session.say("Goodbye!")


def eou_config() -> EOUConfig:
    return EOUConfig(mode="ADAPTIVE", min_max_speech_wait_timeout=[0.5, 0.8])


def interrupt_config(resume_on_false_interrupt: bool = True) -> InterruptConfig:
    return InterruptConfig(
        mode="HYBRID",
        interrupt_min_duration=0.2,
        interrupt_min_words=2,
        false_interrupt_pause_duration=2.0,
        resume_on_false_interrupt=resume_on_false_interrupt,
    )
