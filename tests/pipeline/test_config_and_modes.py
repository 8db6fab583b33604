from dataclasses import replace

import pytest

from vocalis import EOUConfig, InterruptConfig, Pipeline, PipelineMode, RealtimeConfig, RealtimeMode
from vocalis.pipeline import (
    EndOfTurnDelay,
    InterruptDecision,
    InterruptionStrategy,
    Overlap,
    build_pipeline_config,
    is_backchannel,
)
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript


@pytest.mark.parametrize(
    "value", [[0.5], [0.9, 0.5], [-1, 1], "0.5,0.8", [0.5, "x"]]
)
def test_eou_config_rejects_bad_timeouts(value):
    with pytest.raises(ValueError):
        EOUConfig(min_max_speech_wait_timeout=value)


def test_eou_config_defaults_follow_the_reference():
    config = EOUConfig()
    assert config.mode == "DEFAULT" and (config.min_delay, config.max_delay) == (0.5, 0.8)
    with pytest.raises(ValueError):
        EOUConfig(mode="FAST")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "LOUD"},
        {"interrupt_min_duration": 0},
        {"interrupt_min_words": 0},
        {"interrupt_min_confidence": 1.5},
        {"false_interrupt_pause_duration": 0},
        {"interrupt_fade_duration": -0.1},
    ],
)
def test_interrupt_config_validation(kwargs):
    with pytest.raises(ValueError):
        InterruptConfig(**kwargs)


def test_interrupt_config_defaults_resume_on_false_interrupts():
    config = InterruptConfig()
    assert config.mode == "HYBRID"
    assert config.resume_on_false_interrupt is True
    assert (config.interrupt_min_duration, config.interrupt_min_words) == (0.5, 2)


def test_end_of_turn_delay_strategies():
    default = EndOfTurnDelay(EOUConfig(min_max_speech_wait_timeout=[0.5, 1.5]), threshold=0.7)
    assert default.delay(None) == 0.5
    assert default.delay(0.7) == 0.5
    assert default.delay(0.69) == 1.5
    adaptive = EndOfTurnDelay(EOUConfig(mode="ADAPTIVE", min_max_speech_wait_timeout=[0.5, 1.5]))
    assert adaptive.delay(1.0) == 0.5
    assert adaptive.delay(0.25) == pytest.approx(1.25)
    assert adaptive.delay(-3) == 1.5


def test_a_short_overlap_of_function_words_alone_does_not_interrupt():
    hybrid = InterruptionStrategy(InterruptConfig(), has_stt=True, has_vad=True)
    # what Whisper tiny.en makes of an espeak "mm-hmm" over the agent, now and then
    hum = Overlap(0.6, "And then...", 0.8, final=True, paused=True)
    assert hybrid.decide(hum) is InterruptDecision.BACKCHANNEL
    assert hybrid.decide(replace(hum, text="I have a question")) is InterruptDecision.INTERRUPT
    # a long overlap is a turn whatever its words
    assert hybrid.decide(replace(hum, seconds=1.2)) is InterruptDecision.INTERRUPT


def test_interruption_strategy_by_mode():
    hybrid = InterruptionStrategy(InterruptConfig(), has_stt=True, has_vad=True)
    assert hybrid.decide(Overlap(0.2)) is InterruptDecision.NONE
    assert hybrid.decide(Overlap(0.6)) is InterruptDecision.PAUSE
    assert hybrid.decide(Overlap(0.3, "wait stop", 0.9)) is InterruptDecision.INTERRUPT
    assert hybrid.decide(Overlap(0.3, "mm-hmm", 0.9)) is InterruptDecision.BACKCHANNEL
    assert hybrid.decide(Overlap(0.6, "wait", 0.9, paused=True)) is InterruptDecision.INTERRUPT
    vad_only = InterruptionStrategy(InterruptConfig(mode="VAD_ONLY"), has_stt=True, has_vad=True)
    assert vad_only.decide(Overlap(0.6)) is InterruptDecision.INTERRUPT
    assert vad_only.decide(Overlap(0.1, "wait stop now", 1.0)) is InterruptDecision.NONE
    stt_only = InterruptionStrategy(
        InterruptConfig(mode="STT_ONLY", interrupt_min_confidence=0.8), has_stt=True, has_vad=True
    )
    assert stt_only.decide(Overlap(5.0)) is InterruptDecision.NONE
    assert stt_only.decide(Overlap(1.0, "wait stop", 0.5)) is InterruptDecision.NONE
    assert stt_only.decide(Overlap(1.0, "wait stop", 0.9)) is InterruptDecision.INTERRUPT
    # Without an STT, HYBRID can only use the VAD.
    assert InterruptionStrategy(InterruptConfig(), has_stt=False, has_vad=True).mode == "VAD_ONLY"


def test_interruption_strategy_with_an_audio_classifier():
    strategy = InterruptionStrategy(InterruptConfig(), has_stt=True, has_vad=True)
    # A classifier's "interruption" holds the agent's voice before any word is transcribed...
    assert strategy.decide(Overlap(0.3, audio_verdict=True)) is InterruptDecision.PAUSE
    # ...but not on the first frames of sound.
    assert strategy.decide(Overlap(0.1, audio_verdict=True)) is InterruptDecision.NONE
    # An overlap the classifier never rated above the veto is not an interruption...
    vetoed = Overlap(1.2, "and make sure that", 0.8, final=True, audio_peak=0.02)
    assert strategy.decide(vetoed) is InterruptDecision.BACKCHANNEL
    # ...unless the words open one.
    assert strategy.decide(Overlap(0.6, "wait", 0.5, audio_peak=0.02)) is InterruptDecision.INTERRUPT


@pytest.mark.parametrize(
    ("heard", "confidence", "seconds", "expected"),
    [
        # What Whisper tiny.en made of backchannels spoken by Piper and espeak-ng (8 and 16 kHz).
        ("MMO", 0.28, 0.66, "backchannel"), ("Mm-ma.", 0.31, 0.66, "backchannel"),
        ("And make some.", 0.43, 0.73, "backchannel"), ("Done.", 0.31, 0.29, "backchannel"),
        ("Boom.", 0.15, 0.64, "backchannel"), ("Uh-uh.", 0.27, 0.69, "backchannel"),
        ("Ha ha ha", 0.3, 0.82, "backchannel"), ("Alright.", 0.37, 0.43, "backchannel"),
        # ...and of real interruptions, at the same low confidence.
        ("Wait, stop.", 0.35, 1.25, "interrupt"), ("Stop.", 0.23, 0.73, "interrupt"),
        ("Hold on.", 0.55, 0.97, "interrupt"), ("Actually no", 0.28, 1.41, "interrupt"),
        ("What about Tuesday instead?", 0.6, 1.2, "interrupt"),
    ],
)
def test_a_weak_stt_mishearing_a_backchannel_does_not_interrupt(heard, confidence, seconds, expected):
    strategy = InterruptionStrategy(InterruptConfig(), has_stt=True, has_vad=True)
    assert strategy.decide(Overlap(seconds, heard, confidence, final=True)).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mm-hmm", True), ("Yeah.", True), ("uh huh okay", True), ("yes please book it", False),
     ("", False), ("stop talking", False)],
)
def test_backchannels(text, expected):
    assert is_backchannel(text) is expected


def test_mode_detection_for_cascading_subsets():
    s, llm, t = object(), object(), object()
    assert build_pipeline_config(stt=s, llm=llm, tts=t).pipeline_mode is PipelineMode.FULL_CASCADING
    assert build_pipeline_config(llm=llm, tts=t).pipeline_mode is PipelineMode.LLM_TTS_ONLY
    assert build_pipeline_config(stt=s, llm=llm).pipeline_mode is PipelineMode.STT_LLM_ONLY
    assert build_pipeline_config(llm=llm).pipeline_mode is PipelineMode.LLM_ONLY
    assert build_pipeline_config(stt=s).pipeline_mode is PipelineMode.STT_ONLY
    assert build_pipeline_config(tts=t).pipeline_mode is PipelineMode.TTS_ONLY
    assert build_pipeline_config(stt=s, tts=t).pipeline_mode is PipelineMode.STT_TTS_ONLY
    with pytest.raises(ValueError, match="at least one"):
        build_pipeline_config(vad=object())


def test_mode_detection_for_realtime_models():
    model, s, t = object(), object(), object()
    full = build_pipeline_config(realtime_model=model, llm=model)
    assert (full.pipeline_mode, full.realtime_mode) == (PipelineMode.REALTIME, RealtimeMode.FULL_S2S)
    assert build_pipeline_config(realtime_model=model, stt=s).realtime_mode is RealtimeMode.HYBRID_STT
    assert build_pipeline_config(realtime_model=model, tts=t).realtime_mode is RealtimeMode.HYBRID_TTS
    with pytest.raises(ValueError, match="ambiguous"):
        build_pipeline_config(realtime_model=model, stt=s, tts=t)
    forced = build_pipeline_config(
        realtime_model=model, stt=s, tts=t, realtime_config_mode=RealtimeMode.HYBRID_STT
    )
    assert forced.realtime_mode is RealtimeMode.HYBRID_STT
    with pytest.raises(ValueError):
        build_pipeline_config(realtime_model=model, realtime_config_mode=RealtimeMode.HYBRID_TTS)
    assert RealtimeConfig(mode="hybrid_stt").mode is RealtimeMode.HYBRID_STT


def test_pipeline_reports_its_mode_and_components():
    user = UserScript()
    pipeline = Pipeline(stt=FakeSTT(user), llm=FakeLLM(), tts=FakeTTS(), vad=FakeVAD())
    assert pipeline.pipeline_mode is PipelineMode.FULL_CASCADING
    assert pipeline.config.component_names == ["llm", "stt", "tts", "vad"]
    assert pipeline.realtime_mode is None
