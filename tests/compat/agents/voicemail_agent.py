"""Voicemail detection on an outbound call, as ``dtmf_voicemail.py`` writes it: the detector's
callback leaves a message and hangs up."""

from videosdk.agents import Agent, VoiceMailDetector


class OutboundAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You call customers about their appointment.")
        self.left_voicemail = False

    async def on_enter(self) -> None:
        pass

    async def on_exit(self) -> None:
        pass

    async def voicemail_callback(self):
        self.left_voicemail = True
        await self.session.say("Sorry we missed you, we will call back later.")


def detector(llm, agent: OutboundAgent) -> VoiceMailDetector:
    return VoiceMailDetector(llm=llm, duration=2.0, callback=agent.voicemail_callback)
