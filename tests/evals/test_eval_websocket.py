"""``vocalis eval`` over the real /ws transport: the example assistant on its local models
(Silero VAD, Whisper tiny.en, the turn detector, Piper), a spoken question played like a
microphone, then a typed one; the LLM scripted."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest

from vocalis.cli import main

ASSISTANT = Path(__file__).resolve().parents[2] / "examples" / "assistant.py"

pytestmark = pytest.mark.slow
for _module in ("piper", "faster_whisper", "onnxruntime"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"{_module} not installed (pip install -e '.[local]')",
                    allow_module_level=True)


async def spoken(text: str, path: Path) -> None:
    from vocalis.audio import resample_pcm, write_wav
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    pcm = b"".join([chunk async for chunk in tts.stream_synthesize(text)])
    write_wav(path, resample_pcm(pcm, tts.sample_rate, 16000), 16000)


def test_a_spoken_scenario_over_the_websocket_transport(tmp_path, monkeypatch):
    import asyncio

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOCALIS_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    asyncio.run(spoken("What time is it in Tokyo?", tmp_path / "question.wav"))
    scenario = tmp_path / "spoken.yaml"
    scenario.write_text(f"""
name: asks the time out loud
agent: {ASSISTANT}
mode: websocket
env:  # a configured model means the short greeting; the script below answers instead
  VOCALIS_LLM_BASE_URL: http://127.0.0.1:9/v1
llm:
  - tool_calls: [{{name: get_current_time, arguments: {{timezone: Asia/Tokyo}}}}]
  - text: "{{tool_output}}"
  - text: You are welcome, goodbye.
turns:
  - audio: question.wav
    expect:
      tool_calls: [{{name: get_current_time, arguments: {{timezone: Asia/Tokyo}}}}]
      facts: [Asia/Tokyo]
      max_latency_ms: 120000  # not a speed target (benchmarks have those): e2e is measured
  - user: Thank you.
    expect:
      tool_calls: []
      facts: [goodbye]
""", encoding="utf-8")
    out = io.StringIO()
    code = main(["eval", str(scenario)], out=out)
    report = out.getvalue()
    assert code == 0, report
    assert "PASS  asks the time out loud" in report and "websocket" in report
    assert re.search(r"turn 1  pass  latency <= 120000 ms  \d+ ms", report)
