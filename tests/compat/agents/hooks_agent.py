"""Pipeline hooks exactly as the reference's ``test_pipeline_hooks.py`` writes them: an STT stream
hook that drops tiny frames and cleans the transcript around ``run_stt``, a TTS stream hook
that rewrites the text around ``run_tts``, observers with the reference's arguments, an
``llm`` observer reading ``data.get("text")`` and a pass-through ``vision_frame`` hook."""

import re

from videosdk.agents import Agent, run_stt, run_tts


class VoiceAgent(Agent):
    def __init__(self):
        super().__init__(instructions="You are a helpful voice assistant.")

    async def on_enter(self):
        await self.session.say("Hello! How can I help you today?")

    async def on_exit(self):
        await self.session.say("Goodbye!")


def register_hooks(pipeline, log: list) -> None:
    @pipeline.on("stt")
    async def stt_hook(audio_stream):
        async def audio_phase():
            async for audio in audio_stream:
                if len(audio) < 300:
                    continue
                yield audio

        async for event in run_stt(audio_phase()):
            if event.data and event.data.text:
                text = event.data.text.lower()
                text = re.sub(r"\b(uh|um|like)\b", "", text)
                replacements = {"working hours": "office hours", "timing": "office hours"}
                for src, dst in replacements.items():
                    text = re.sub(rf"\b{src}\b", dst, text)
                event.data.text = " ".join(text.split())
            yield event

    @pipeline.on("user_turn_start")
    async def on_user_turn_start(transcript: str):
        log.append(("user_turn_start", transcript))

    @pipeline.on("user_turn_end")
    async def on_user_turn_end():
        log.append(("user_turn_end",))

    @pipeline.on("agent_turn_start")
    async def on_agent_turn_start():
        log.append(("agent_turn_start",))

    @pipeline.on("agent_turn_end")
    async def on_agent_turn_end():
        log.append(("agent_turn_end",))

    @pipeline.on("tts")
    async def tts_hook(text_stream):
        async def preprocess_text():
            async for text in text_stream:
                yield text.replace("AM", "A M").replace("PM", "P M")

        async for audio in run_tts(preprocess_text()):
            yield audio

    @pipeline.on("llm")
    async def on_llm(data: dict):
        log.append(("llm", data.get("text", "")))

    @pipeline.on("vision_frame")
    async def vision_hook(frame_stream):
        async for frame in frame_stream:
            yield frame


def register_llm_stream_hook(pipeline) -> None:
    """The newer reference's streaming ``llm`` hook: modify the text before it is spoken."""

    @pipeline.on("llm")
    async def strip_markdown(text_stream):
        async for chunk in text_stream:
            yield chunk.replace("**", "")
