"""The optional LLM judge: a language model reads the conversation and grades it against the
scenario's rubric, answering ``{"pass": true|false, "reason": "..."}``.

The judge is any OpenAI-compatible server: ``VOCALIS_JUDGE_BASE_URL`` (else
``OPENAI_BASE_URL``), ``OPENAI_API_KEY``, and the model from the scenario, else
``VOCALIS_JUDGE_MODEL``, else ``gpt-4o-mini``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole
from ..llm.llm import LLM
from .checks import Check, TurnOutcome
from .scenario import Judge

DEFAULT_MODEL = "gpt-4o-mini"
INSTRUCTIONS = (
    "You grade a conversation between a user and a voice assistant against a rubric. Read the "
    "transcript, including the tools the assistant called, and answer with one JSON object and "
    'nothing else: {"pass": true or false, "reason": "one sentence"}.'
)


def judge_llm(model: str | None, env: Mapping[str, str] | None = None) -> LLM | None:
    """The configured judge, or None when no server or key is set."""
    env = os.environ if env is None else env
    base_url = env.get("VOCALIS_JUDGE_BASE_URL") or env.get("OPENAI_BASE_URL")
    key = env.get("OPENAI_API_KEY")
    if not base_url and not key:
        return None
    from ..plugins.openai import LOCAL_PLACEHOLDER_KEY, OpenAILLM

    return OpenAILLM(api_key=key or LOCAL_PLACEHOLDER_KEY, base_url=base_url,
                     model=model or env.get("VOCALIS_JUDGE_MODEL") or DEFAULT_MODEL)


def transcript(outcomes: list[TurnOutcome]) -> str:
    lines = []
    for outcome in outcomes:
        lines.append(f"User: {outcome.heard or outcome.user}")
        for call in outcome.tool_calls:
            arguments = json.dumps(call.arguments, ensure_ascii=False)
            lines.append(f"(tool {call.name}({arguments}) -> {call.output})")
        lines.append(f"Assistant: {outcome.reply}")
    return "\n".join(lines)


async def judge_conversation(judge: Judge, outcomes: list[TurnOutcome], *,
                             llm: LLM | None = None) -> Check:
    owned = llm is None
    llm = llm or judge_llm(judge.model)
    if llm is None:
        return Check("judge", False, "no judge LLM: set OPENAI_API_KEY or OPENAI_BASE_URL "
                                     "(VOCALIS_JUDGE_MODEL for the model), or run with --no-judge")
    ctx = ChatContext.empty()
    ctx.add_message(ChatRole.SYSTEM, INSTRUCTIONS)
    ctx.add_message(ChatRole.USER, f"Rubric: {judge.rubric}\n\nTranscript:\n"
                                   f"{transcript(outcomes)}")
    try:
        text = "".join([response.content async for response in llm.chat(ctx)])
    except Exception as exc:
        return Check("judge", False, f"the judge LLM failed: {exc}")
    finally:
        if owned:
            await _close(llm)
    verdict = _verdict(text)
    if verdict is None:
        return Check("judge", False, f"the judge's answer is not a verdict: {text[:200]!r}")
    passed, reason = verdict
    return Check("judge", passed, reason)


def _verdict(text: str) -> tuple[bool, str] | None:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        return None
    try:
        data: Any = json.loads(match.group())
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pass"), bool):
        return None
    return data["pass"], str(data.get("reason", ""))


async def _close(llm: LLM) -> None:
    close = getattr(llm, "aclose", None)
    if close is not None:
        await close()
