"""Every public name of the reference's top-level package and plugins imports after the rename,
and each cloud-only feature fails with one line saying what to use instead."""

import importlib

import pytest

import vocalis
from vocalis.testing import FakeLLM

TOP_LEVEL = ["build_gemini_schema", "build_nova_sonic_schema", "build_openai_schema", "detect_script", "encode", "function_tool", "get_tool_info", "hyphenate_english", "is_function_tool", "load_audio_file", "normalize_lang_code", "pre_warm_tokenizer", "run_stt", "run_tts", "segment_text", "setup_logging", "A2AMessage", "Agent", "AgentCard", "AgentConfigUpdate", "AgentHandoff", "AgentSession", "AgentState", "BackgroundAudioHandlerConfig", "BasicSentenceChunker", "BasicTextFilter", "BufferedSentenceChunkStream", "ChatContext", "ChatMessage", "ChatRole", "ContextWindow", "ConversationalGraphResponse", "CustomAudioStreamTrack", "DTMFHandler", "DedicatedInferenceResource", "EOU", "EOUConfig", "EncodeOptions", "EnglishHyphenator", "EventEmitter", "ExecutorType", "FallbackLLM", "FallbackSTT", "FallbackTTS", "FlushMarker", "FunctionCall", "FunctionCallOutput", "FunctionTool", "FunctionToolInfo", "GraphPipelineAdapter", "HealthMetrics", "ImageContent", "IndicScriptTransliterator", "IndicSentenceChunker", "InterruptConfig", "JobContext", "KnowledgeBase", "KnowledgeBaseConfig", "LLM", "LLMResponse", "LoggingOptions", "MCPServerHTTP", "MCPServerStdio", "MetricsOptions", "ObservabilityOptions", "Options", "Pipeline", "PipelineComponent", "PipelineConfig", "PipelineMode", "ProcessResource", "ReadOnlyChatContext", "RealtimeBaseModel", "RealtimeLLMAdapter", "RealtimeMode", "RecordingOptions", "ResizeOptions", "ResourceConfig", "ResourceInfo", "ResourceManager", "ResourceStatus", "ResourceType", "RoomOptions", "STT", "STTResponse", "SentenceChunkStream", "SentenceChunker", "SpeechData", "SpeechEventType", "TTS", "TTSAudioCache", "TaskConfig", "TaskExecutor", "TaskResult", "TaskStatus", "TaskType", "TeeCustomAudioStreamTrack", "TeeMixingCustomAudioStreamTrack", "TextFilter", "ThreadResource", "TracesOptions", "UserState", "UtteranceHandle", "VAD", "VADEventType", "VADResponse", "VoiceMailDetector", "WebRTCConfig", "WebSocketConfig", "Worker", "WorkerJob", "WorkerOptions", "WorkerType"]

PLUGINS = {
    "openai": ["OpenAILLM", "OpenAISTT", "OpenAITTS", "OpenAIRealtime", "OpenAIRealtimeConfig"],
    "deepgram": ["DeepgramSTT", "DeepgramSTTV2", "DeepgramTTS"],
    "silero": ["SileroVAD"],
    "turn_detector": ["TurnDetector", "pre_download_model"],
}


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_every_reference_name_imports_from_videosdk_agents(name):
    module = importlib.import_module("videosdk.agents")
    assert getattr(module, name) is getattr(vocalis, name)
    assert name in vocalis.__all__


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_plugin_names_import_from_videosdk_plugins(plugin):
    module = importlib.import_module(f"videosdk.plugins.{plugin}")
    for name in PLUGINS[plugin]:
        assert hasattr(module, name), f"videosdk.plugins.{plugin}.{name}"


def test_pre_download_model_is_a_thin_call():
    from videosdk.plugins.turn_detector import pre_download_model

    assert pre_download_model() is None


async def test_cloud_only_features_say_what_to_use_instead():
    from videosdk.agents import (
        Agent,
        AgentSession,
        GraphPipelineAdapter,
        JobContext,
        Options,
        Pipeline,
        WorkerJob,
        WorkerOptions,
    )

    async def entrypoint(ctx):
        pass

    messages = []
    for call in (
        lambda: WorkerJob(entrypoint, options=Options(register=True)),
        lambda: WorkerOptions(entrypoint_fnc=entrypoint, register=True),
        lambda: JobContext.create_room_static("token"),
        lambda: Pipeline(conversational_graph=object()),
        lambda: GraphPipelineAdapter(object()),
    ):
        with pytest.raises((ValueError, RuntimeError, NotImplementedError)) as info:
            call()
        messages.append(str(info.value))
    session = AgentSession(Agent(instructions="x"), Pipeline(llm=FakeLLM()))
    for coro in (session.call_transfer("token", "+15550100"), session.warm_transfer(None)):
        with pytest.raises(RuntimeError) as info:
            await coro
        messages.append(str(info.value))
    for message in messages:
        assert "\n" not in message and len(message) < 200
        assert any(word in message for word in ("use", "serve", "keep", "model", "bridge", "set")), message


async def test_pubsub_on_a_transport_without_a_data_channel_says_which_ones_have_one():
    from videosdk import PubSubPublishConfig

    from vocalis.transports.console import ConsoleTextRoom

    room = ConsoleTextRoom()
    with pytest.raises(RuntimeError, match="WebSocket"):
        await room.publish_to_pubsub(PubSubPublishConfig(topic="CHAT", message="hi"))


async def test_observability_given_to_start_is_kept_on_the_job_and_cloud_parts_are_named(
    caplog, tmp_path
):
    from videosdk.agents import (
        Agent,
        AgentSession,
        JobContext,
        ObservabilityOptions,
        Pipeline,
        RecordingOptions,
        RoomOptions,
        TracesOptions,
    )

    from vocalis.utils.current_job import reset_current_job, set_current_job

    ctx = JobContext(room_options=RoomOptions())
    token = set_current_job(ctx)
    options = ObservabilityOptions(recording=RecordingOptions(directory=str(tmp_path)),
                                   traces=TracesOptions(enabled=False))
    session = AgentSession(Agent(instructions="x"), Pipeline(llm=FakeLLM()))
    recordings: list[dict] = []
    session.on("recording_started", recordings.append)
    try:
        await session.start(observability=options)
    finally:
        reset_current_job(token)
        await session.close()
    assert ctx.room_options.observability is options
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert not any("recording" in w for w in warnings)
    assert recordings and recordings[0]["status"] == "started"  # recording is local now
    assert list(tmp_path.glob("*.wav"))
    assert ctx.metadata["recording_url"] == recordings[0]["path"]
