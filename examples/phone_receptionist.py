"""A phone receptionist: answers SIP calls, takes messages, and puts callers through to a person.

Callers reach it on SIP (a softphone, a PBX or a SIP trunk) or through Twilio media streams. It
greets them for the business, takes a message (name, number, what it is about) into a JSON-lines
file, and transfers them to a person when they ask or press 0: a warm transfer (it briefs the
person first, the caller hears hold music, then they are connected) when the call is SIP, a
cold transfer otherwise. Calls are recorded (both sides, with a transcript) under
``recordings/``. Speech runs locally (Silero, Whisper tiny.en, the turn detector, Piper); the
language model is any OpenAI-compatible server:

    export OPENAI_API_KEY=sk-...                         # or OPENAI_BASE_URL=http://localhost:11434/v1
    export RECEPTIONIST_BUSINESS="Luigi's Trattoria"
    export RECEPTIONIST_TRANSFER_TO=sip:manager@192.0.2.10   # the person to put callers through to
    vocalis serve examples/phone_receptionist.py --sip 5060

Then call ``sip:agent@127.0.0.1:5060`` (``--sip 0.0.0.0:5060 --token ...`` to take calls from
the network). Messages go to ``RECEPTIONIST_MESSAGES`` (default ``messages.jsonl``).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from vocalis import (
    Agent,
    AgentSession,
    EOUConfig,
    Pipeline,
    RecordingOptions,
    WarmTransferConfig,
    function_tool,
)
from vocalis.job import JobContext, RoomOptions
from vocalis.telephony import DTMFHandler
from vocalis.transports.sip import SIPConfig

logger = logging.getLogger("vocalis.examples.receptionist")

BUSINESS = os.environ.get("RECEPTIONIST_BUSINESS", "the front desk")
TRANSFER_TO = os.environ.get("RECEPTIONIST_TRANSFER_TO", "")
MESSAGES = Path(os.environ.get("RECEPTIONIST_MESSAGES", "messages.jsonl"))

INSTRUCTIONS = (
    f"You are the receptionist of {BUSINESS}, answering the phone. Be warm and brief: one or "
    "two short spoken sentences. You can take a message: ask for the caller's name, a number "
    "to call back and what it is about, then call take_message. If the caller wants to speak "
    "to a person, call transfer_to_person. When the caller is done, say goodbye and call "
    "end_call."
)

room_options = RoomOptions(
    sip=SIPConfig(port=5060),
    recording=True,
    recording_options=RecordingOptions(directory="recordings", format="ogg"),
)


class Receptionist(Agent):
    """Greets, takes messages, transfers to a person, hangs up."""

    def __init__(self, messages: Path = MESSAGES, transfer_to: str = TRANSFER_TO) -> None:
        super().__init__(instructions=INSTRUCTIONS, use_base_instructions=True)
        self.messages = messages
        self.transfer_to = transfer_to

    async def on_enter(self) -> None:
        self.set_thinking_audio(volume=0.15)
        await self.session.say(f"Hello, {BUSINESS}, how can I help you?")

    @function_tool
    async def take_message(self, name: str, callback_number: str, message: str) -> str:
        """Write down a message for the team.

        Args:
            name: the caller's name
            callback_number: a number to call them back
            message: what it is about, in a sentence
        """
        entry = {"name": name.strip(), "callback_number": callback_number.strip(),
                 "message": message.strip(), "at": datetime.now().isoformat(timespec="seconds"),
                 "caller": getattr(self.session.room, "remote_uri", None)}
        self.messages.parent.mkdir(parents=True, exist_ok=True)
        with self.messages.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
        return "The message is saved; tell the caller someone will call them back."

    @function_tool
    async def transfer_to_person(self) -> str:
        """Put the caller through to a person."""
        if not self.transfer_to:
            return "Nobody can take calls right now: offer to take a message instead."
        room = self.session.room
        if hasattr(room, "bridge_to"):  # a SIP call: brief the person first
            result = await self.session.warm_transfer(WarmTransferConfig(
                destination=self.transfer_to, supervisor_join_timeout=30))
            return ("The caller is now talking to a person." if result.success else
                    "The person could not take the call: offer to take a message.")
        await self.session.call_transfer(None, self.transfer_to)
        return "The caller is being transferred."

    @function_tool
    async def end_call(self) -> str:
        """Hang up, after saying goodbye."""
        await self.session.hangup("caller done")
        return "Call ended."

    async def on_digit(self, digit: str) -> None:
        """0 on the keypad: a person, please."""
        if digit == "0":
            await self.session.say("Putting you through, one moment.")
            await self.transfer_to_person()


def choose_llm():
    from vocalis.plugins.openai import LOCAL_PLACEHOLDER_KEY, OpenAILLM

    base_url = os.environ.get("VOCALIS_LLM_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
    key = os.environ.get("OPENAI_API_KEY") or LOCAL_PLACEHOLDER_KEY
    if not (base_url or os.environ.get("OPENAI_API_KEY")):
        logger.warning("no language model configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
    return OpenAILLM(api_key=key, base_url=base_url,
                     model=os.environ.get("VOCALIS_LLM_MODEL", "gpt-4o-mini"))


def build_pipeline() -> Pipeline:
    from vocalis.plugins.piper import PiperTTS
    from vocalis.plugins.silero import SileroVAD
    from vocalis.plugins.turn_detector import TurnDetector
    from vocalis.plugins.whisper import WhisperSTT

    return Pipeline(
        stt=WhisperSTT(model="tiny.en", pause_decode_after=0.05), llm=choose_llm(),
        tts=PiperTTS(), vad=SileroVAD(min_silence_duration=0.3), turn_detector=TurnDetector(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 0.8]),
    )


async def entrypoint(ctx: JobContext) -> None:
    agent = Receptionist()
    session = AgentSession(agent, build_pipeline(), dtmf_handler=DTMFHandler(agent.on_digit))
    await session.start()


if __name__ == "__main__":
    from vocalis.job import WorkerJob

    WorkerJob(entrypoint, jobctx=lambda: JobContext(room_options=room_options)).start()
