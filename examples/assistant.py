"""A voice assistant you can talk to from your browser, on local speech models.

It tells the time and date, does arithmetic, and keeps notes. Speech recognition (Whisper
tiny.en), voice activity detection (Silero), turn detection and the voice (Piper) run on this
machine; the language model is any OpenAI-compatible server, chosen from the environment:

    export OPENAI_API_KEY=sk-...                          # OpenAI (model: gpt-4o-mini)
    export OPENAI_BASE_URL=http://localhost:11434/v1      # or a local server (Ollama, llama.cpp)
    export VOCALIS_LLM_MODEL=llama3.2                     # the model to ask for (any server)

``VOCALIS_LLM_BASE_URL`` overrides ``OPENAI_BASE_URL``. With no language model configured the
assistant still runs: it says so (in the terminal, on the page and out loud) with the setting
to add.

Run it (``pip install 'vocalis[local,openai,webrtc]'``), then open http://127.0.0.1:8080/ ::

    vocalis serve examples/assistant.py       # or: python examples/assistant.py

Notes are kept in a JSON file, ``~/.vocalis/notes.json`` (``VOCALIS_NOTES_FILE`` to move it),
so they survive between calls; every caller of this server shares them.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import operator
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vocalis import LLM, Agent, AgentSession, EOUConfig, LLMResponse, Pipeline, function_tool
from vocalis.job import JobContext, WorkerJob

logger = logging.getLogger("vocalis.examples.assistant")

DEFAULT_MODEL = "gpt-4o-mini"

NO_LLM_MESSAGE = (
    "No language model is configured, so I can listen but not think yet. Set OPENAI_API_KEY "
    "for OpenAI, or OPENAI_BASE_URL for a local server such as Ollama, then restart me."
)
NO_LLM_SETTING = (
    "export OPENAI_API_KEY=sk-...   or   export OPENAI_BASE_URL=http://localhost:11434/v1"
)

NO_LLM_NOTICE = {
    "level": "warning",
    "code": "llm_not_configured",
    "message": "No language model is configured: the agent can hear you but cannot answer yet.",
    "setting": NO_LLM_SETTING,
}

INSTRUCTIONS = (
    "You are a friendly, concise voice assistant. You can tell the current time and date, "
    "calculate, and save or read back the user's notes: use your tools for these, never guess "
    "a time or a result. Answer in one or two short spoken sentences."
)


# ---- language model from the environment ------------------------------------------------------


def llm_configured(env: dict[str, str] | None = None) -> bool:
    """Whether the environment names a language model (a key or a server URL)."""
    env = dict(os.environ if env is None else env)
    return bool(
        env.get("OPENAI_API_KEY") or env.get("VOCALIS_LLM_BASE_URL") or env.get("OPENAI_BASE_URL")
    )


def choose_llm(env: dict[str, str] | None = None) -> LLM | None:
    """An ``OpenAILLM`` for the configured server, or None when nothing is configured."""
    env = dict(os.environ if env is None else env)
    if not llm_configured(env):
        return None
    from vocalis.plugins.openai import LOCAL_PLACEHOLDER_KEY, OpenAILLM

    base_url = env.get("VOCALIS_LLM_BASE_URL") or env.get("OPENAI_BASE_URL")
    model = env.get("VOCALIS_LLM_MODEL", DEFAULT_MODEL)
    # A server named by URL (Ollama, llama.cpp, vLLM) usually wants no key: send a placeholder.
    key = env.get("OPENAI_API_KEY") or LOCAL_PLACEHOLDER_KEY
    logger.info("language model: %s at %s", model, base_url or "api.openai.com")
    return OpenAILLM(api_key=key, base_url=base_url, model=model)


def warn_no_llm() -> None:
    """The terminal's line about a missing language model, with the setting to add."""
    logger.warning(
        "No language model is configured: the assistant will only explain how to add one. "
        "Set it and restart: %s (plus VOCALIS_LLM_MODEL=<model> for a local server)",
        NO_LLM_SETTING,
    )


class UnconfiguredLLM(LLM):
    """Stands in when no language model is configured: every reply says how to add one."""

    async def chat(
        self, messages: Any, tools: Any = None, **kwargs: Any
    ) -> AsyncIterator[LLMResponse]:
        yield LLMResponse(content=NO_LLM_MESSAGE)


# ---- tools --------------------------------------------------------------------------------------

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}


class CalculationError(ValueError):
    """An expression the calculator refuses or cannot compute."""


def calculate(expression: str) -> float | int:
    """Evaluate arithmetic safely: numbers, + - * / // % ** (or ^), parentheses, a few math
    functions (sqrt, abs, round, sin, cos, tan, log, log10, exp) and pi, e. Nothing else runs."""
    text = expression.replace("^", "**").replace("×", "*").replace("÷", "/").strip()
    if len(text) > 200:
        raise CalculationError("expression too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise CalculationError(f"not an arithmetic expression: {expression!r}") from None
    return _evaluate(tree.body)


def _evaluate(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 100 or abs(left) > 1e6):
            raise CalculationError("that power is too large")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise CalculationError("division by zero") from None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and len(node.args) <= 2
    ):
        try:
            return _FUNCTIONS[node.func.id](*(_evaluate(a) for a in node.args))
        except (ValueError, TypeError) as exc:
            raise CalculationError(f"{node.func.id}: {exc}") from None
    raise CalculationError("only numbers, arithmetic and simple math functions are allowed")


class NoteBook:
    """Notes in a JSON file (a list of {"text", "saved_at"}), written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        default = Path(os.environ.get("VOCALIS_NOTES_FILE", "~/.vocalis/notes.json"))
        self.path = (path or default).expanduser()

    def read(self) -> list[dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            logger.warning("could not read %s; starting a new notebook", self.path)
            return []
        return (
            [n for n in data if isinstance(n, dict) and "text" in n]
            if isinstance(data, list)
            else []
        )

    def add(self, text: str) -> int:
        notes = self.read()
        notes.append({"text": text, "saved_at": datetime.now().isoformat(timespec="seconds")})
        self._write(notes)
        return len(notes)

    def clear(self) -> int:
        count = len(self.read())
        self._write([])
        return count

    def _write(self, notes: list[dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(notes, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def describe_time(timezone: str | None = None, now: datetime | None = None) -> str:
    """The date and time as a sentence, in ``timezone`` (IANA name) or the server's local time."""
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"I don't know the time zone {timezone!r}; try a name like Europe/Paris."
        moment = (now or datetime.now(zone)).astimezone(zone)
    else:
        moment = (now or datetime.now()).astimezone()
    where = timezone or moment.tzname() or "local time"
    return f"It is {moment:%H:%M} on {moment:%A, %B} {moment.day}, {moment.year} ({where})."


# ---- the agent ----------------------------------------------------------------------------------


class Assistant(Agent):
    """Time, arithmetic and notes; says clearly when it has no language model."""

    def __init__(self, *, llm_configured: bool = True, notes: NoteBook | None = None) -> None:
        super().__init__(instructions=INSTRUCTIONS, use_base_instructions=True)
        self.llm_configured = llm_configured
        self.notes = notes or NoteBook()

    async def on_enter(self) -> None:
        assert self.session is not None
        if not self.llm_configured:
            self.session.emit("notice", NO_LLM_NOTICE)
            await self.session.say(NO_LLM_MESSAGE, add_to_chat_context=False)
            return
        await self.session.say("Hi! I can tell the time, do sums and take notes. Go ahead.")

    @function_tool
    async def get_current_time(self, timezone: str = "") -> str:
        """The current date and time. timezone: an IANA name like Europe/Paris, or empty for
        the local time."""
        return describe_time(timezone or None)

    @function_tool
    async def calculate(self, expression: str) -> str:
        """Compute an arithmetic expression, e.g. "(12.5 * 4) / 3" or "sqrt(2)"."""
        try:
            value = calculate(expression)
        except CalculationError as exc:
            return f"Could not calculate: {exc}"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        return f"{expression} = {round(value, 6) if isinstance(value, float) else value}"

    @function_tool
    async def save_note(self, text: str) -> str:
        """Save a note for later (a reminder, a shopping item, anything the user asks)."""
        count = self.notes.add(text.strip())
        return f"Saved. There are {count} notes."

    @function_tool
    async def read_notes(self) -> str:
        """Read back every saved note, oldest first."""
        notes = self.notes.read()
        if not notes:
            return "There are no notes."
        return " ".join(f"{i}. {n['text']}" for i, n in enumerate(notes, 1))

    @function_tool
    async def clear_notes(self) -> str:
        """Delete every saved note (only when the user asks for it)."""
        return f"Deleted {self.notes.clear()} notes."


def build_pipeline(llm: LLM) -> Pipeline:
    """Local Silero VAD, Whisper tiny.en, turn detector and Piper voice around ``llm``.

    Tuned on ``benchmarks/conversation_quality.py`` and ``local_turn_latency.py``: the VAD ends
    speech after 0.3 s of silence, Whisper decodes on a 0.05 s pause so the final transcript is
    ready when the VAD ends, and the turn detector chooses between a 0.3 s wait (the user is
    done) and 1.3 s (mid-sentence: people pause up to a second between words). A turn whose
    last word Whisper heard with less than 0.3 confidence waits the 1.3 s: that is how the
    first half of a sentence misheard as a whole one ("We need a taxi call.") usually looks.
    The interruption classifier helps barge-in tell "wait, stop" from "mm-hmm" over the agent's
    voice.
    """
    from vocalis.plugins.interruption import LocalInterruptionDetector
    from vocalis.plugins.piper import PiperTTS
    from vocalis.plugins.silero import SileroVAD
    from vocalis.plugins.turn_detector import TurnDetector
    from vocalis.plugins.whisper import WhisperSTT

    return Pipeline(
        stt=WhisperSTT(model="tiny.en", pause_decode_after=0.05),
        llm=llm,
        tts=PiperTTS(),
        vad=SileroVAD(min_silence_duration=0.3),
        turn_detector=TurnDetector(),
        interruption_detector=LocalInterruptionDetector(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 1.3], min_ending_confidence=0.3),
    )


def notices() -> list[dict[str, str]]:
    """What the page shows before any call (``vocalis serve`` publishes it at /notices)."""
    return [] if llm_configured() else [NO_LLM_NOTICE]


async def entrypoint(ctx: JobContext) -> None:
    """One call: build the assistant, start it once the browser is connected, run to the end."""
    llm = choose_llm()
    if llm is None:
        warn_no_llm()
    agent = Assistant(llm_configured=llm is not None)
    session = AgentSession(agent=agent, pipeline=build_pipeline(llm or UnconfiguredLLM()))
    await session.start(wait_for_participant=True, run_until_shutdown=True)


if not llm_configured():
    warn_no_llm()  # at import too, so that the terminal says it before anyone calls

if __name__ == "__main__":
    WorkerJob(entrypoint=entrypoint).start()
