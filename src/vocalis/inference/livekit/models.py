"""Model strings (``"provider/model[:variant]"``) and server-side fallback lists."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class STTFallbackModel(TypedDict):
    """One STT fallback model; ``extra_kwargs`` are that provider's options."""

    model: str
    extra_kwargs: NotRequired[dict[str, Any]]


class TTSFallbackModel(TypedDict):
    """One TTS fallback model with its voice."""

    model: str
    voice: str
    extra_kwargs: NotRequired[dict[str, Any]]


#: The reference names both ``FallbackModel`` in their own modules.
FallbackModel = STTFallbackModel


def parse_model_string(model: str) -> tuple[str, str | None]:
    """``("provider/model", variant)``: everything after the **last** colon is the language
    (STT) or voice (TTS), as LiveKit parses it (``rfind(":")``)."""
    idx = model.rfind(":")
    if idx == -1:
        return model, None
    return model[:idx], model[idx + 1 :] or None


def stt_fallback(fallback: Any) -> dict[str, Any] | None:
    """The ``fallback`` field of an STT ``session.create``, or None."""
    items = _as_list(fallback)
    if not items:
        return None
    models = []
    for item in items:
        if isinstance(item, str):
            item = {"model": item}
        models.append({"model": item["model"], "extra": dict(item.get("extra_kwargs") or {})})
    return {"models": models}


def tts_fallback(fallback: Any) -> dict[str, Any] | None:
    """The ``fallback`` field of a TTS ``session.create``; strings are parsed for ``:voice``."""
    items = _as_list(fallback)
    if not items:
        return None
    models = []
    for item in items:
        if isinstance(item, str):
            model, voice = parse_model_string(item)
            item = {"model": model, "voice": voice or ""}
        models.append({"model": item["model"], "voice": item.get("voice", ""),
                       "extra": dict(item.get("extra_kwargs") or {})})
    return {"models": models}


def _as_list(fallback: Any) -> list[Any]:
    if fallback is None:
        return []
    if isinstance(fallback, (str, dict)):
        return [fallback]
    return list(fallback)
