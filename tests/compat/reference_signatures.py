"""The reference's public callables and their parameters, written from the specification
(``shared/reference/core-part1..3.md`` and ``plugins-and-gateways.md``), for ``test_signatures``.

Keys name a callable from ``vocalis`` (``"Agent"`` is its constructor, ``"Agent.say"`` a method,
``"plugins.openai.OpenAILLM"`` a plugin class); values are the reference's parameter list,
without ``self``. A default of ``...`` means "has a default the specification does not spell
out"; a parameter without one is required in the reference (Vocalis may give it a default).
"""

REFERENCE: dict[str, str] = {
    # ---- functions ---------------------------------------------------------------------------
    "build_openai_schema": "(function_tool)",
    "build_gemini_schema": "(function_tool)",
    "build_nova_sonic_schema": "(function_tool)",
    "function_tool": "(func=None, *, name=None)",
    "is_function_tool": "(obj)",
    "get_tool_info": "(tool)",
    "detect_script": "(sample, *, default='en')",
    "normalize_lang_code": "(code)",
    "hyphenate_english": "(word)",
    "pre_warm_tokenizer": "()",
    "encode": "(frame, options)",
    "load_audio_file": "(path, sample_rate=24000, num_channels=1)",
    "run_stt": "(audio_stream)",
    "run_tts": "(text_stream)",
    "segment_text": (
        "(chunks, delimiters='.?!,;:\\n', keep_delimiter=True, min_chars=50, min_words=12, "
        "max_buffer=600)"
    ),
    "setup_logging": "(level=20)",
    # ---- agent -------------------------------------------------------------------------------
    "Agent": (
        "(instructions, tools=None, agent_id=None, mcp_servers=None, inherit_context=False, "
        "knowledge_base=None, use_base_instructions=False)"
    ),
    "Agent.update_tools": "(tools)",
    "Agent.hangup": "()",
    "Agent.set_thinking_audio": "(file=None, volume=0.3)",
    "Agent.play_background_audio": (
        "(file=None, volume=1.0, looping=False, override_thinking=True)"
    ),
    "Agent.stop_background_audio": "()",
    "Agent.cleanup": "()",
    "Agent.on_enter": "()",
    "Agent.on_exit": "()",
    # ---- session -----------------------------------------------------------------------------
    "AgentSession": (
        "(agent, pipeline, wake_up=None, background_audio=None, dtmf_handler=None, "
        "voice_mail_detector=None)"
    ),
    "AgentSession.start": (
        "(wait_for_participant=False, run_until_shutdown=False, *, observability=None, **kwargs)"
    ),
    "AgentSession.say": (
        "(message, interruptible=True, audio_data=None, add_to_chat_context=True)"
    ),
    "AgentSession.reply": (
        "(instructions, wait_for_playback=True, frames=None, interruptible=True)"
    ),
    "AgentSession.interrupt": "(*, force=False)",
    "AgentSession.play_background_audio": "(config, override_thinking)",
    "AgentSession.stop_background_audio": "()",
    "AgentSession.start_thinking_audio": "()",
    "AgentSession.stop_thinking_audio": "()",
    "AgentSession.hangup": "(reason='manual_hangup')",
    "AgentSession.call_transfer": "(token, transfer_to)",
    "AgentSession.warm_transfer": "(config)",
    "AgentSession.on_warm_transfer": "(phase=None, callback=None)",
    "AgentSession.get_context_history": (
        "(*, include_function_calls=False, include_system_messages=False)"
    ),
    "AgentSession.close": "()",
    "AgentSession.leave": "()",
    "UtteranceHandle": "(utterance_id, interruptible=True)",
    "UtteranceHandle.interrupt": "(*, force=False)",
    "UtteranceHandle.done": "()",
    "VoiceMailDetector": "(llm, callback, duration=2.0, custom_prompt=None)",
    "WarmTransferConfig": (
        "(destination, summary_llm=None, summary_prompt=None, briefing_pipeline_factory=None, "
        "supervisor_join_timeout=120.0, briefing_timeout=180.0)"
    ),
    "SIPDestination": (
        "(routing_rule_id, sip_call_to, sip_call_from, participant_display_name='Supervisor', "
        "extra_options=...)"
    ),
    "WarmTransferResult": (
        "(success, phase, consultation_room_id, supervisor_call_id, switched_call_id, summary, "
        "error=None)"
    ),
    "Agent.capture_frames": "(num_of_frames=1)",
    "VoiceMailDetector.detect": "(transcript)",
    "DTMFHandler": "(callback=None)",
    "DTMFHandler.start": "()",
    "DTMFHandler.set_callback": "(callback)",
    "BackgroundAudioHandlerConfig": (
        "(file_path, enabled=True, mode='playback', volume=1.0, looping=False)"
    ),
    # ---- chat context ------------------------------------------------------------------------
    "ChatContext": "(items=None)",
    "ChatContext.empty": "()",
    "ChatContext.messages": "()",
    "ChatContext.get_by_id": "(item_id)",
    "ChatContext.turn_count": "()",
    "ChatContext.estimated_tokens": "()",
    "ChatContext.add_message": (
        "(role, content, message_id=None, created_at=None, replace=False, agent_id=None)"
    ),
    "ChatContext.add_function_call": (
        "(name, arguments, call_id=None, agent_id=None, metadata=None)"
    ),
    "ChatContext.add_function_output": (
        "(name, output, call_id, is_error=False, agent_id=None)"
    ),
    "ChatContext.add_handoff": "(to_agent, from_agent=None, reason=None)",
    "ChatContext.add_config_update": "(instructions=None, tools=None, agent_id=None)",
    "ChatContext.insert": "(item)",
    "ChatContext.insert_many": "(items)",
    "ChatContext.cleanup": "()",
    "ChatContext.active_config_at": "(target=None)",
    "ChatContext.copy": (
        "(*, exclude_system_messages=False, exclude_instructions=False, "
        "exclude_empty_messages=False, exclude_handoffs=False, exclude_config_updates=False, "
        "tools=None, filter_agent_id=None)"
    ),
    "ChatContext.fork": "()",
    "ChatContext.fork_filtered": "(recent_turns=3, tools=None)",
    "ChatContext.fork_brief": "(instructions, task_brief=None, agent_id=None)",
    "ChatContext.merge": "(other)",
    "ChatContext.merge_result": "(other, *, agent_id=None)",
    "ChatContext.merge_with_summary": "(other, *, llm, agent_id=None)",
    "ChatContext.summarize": "(llm, *, keep_recent_turns=3)",
    "ChatContext.truncate": "(max_items=None, max_tokens=None)",
    "ChatContext.to_openai_messages": "(*, reasoning_model=False)",
    "ChatContext.to_anthropic_messages": "(*, caching=False)",
    "ChatContext.to_google_contents": "(*, thought_signatures=None)",
    "ChatContext.to_dict": "()",
    "ChatContext.from_dict": "(data)",
    "ReadOnlyChatContext": "(items)",
    "ContextWindow": (
        "(*, max_tokens=None, max_context_items=None, keep_recent_turns=3, "
        "max_tool_calls_per_turn=10, summary_llm=None)"
    ),
    "ContextWindow.manage": "(ctx, llm)",
    "FunctionToolInfo": "(name, description=None, parameters_schema=None)",
    "ChatMessage": (
        "(*, id=..., type='message', created_at=..., agent_id=None, role, content, "
        "interrupted=False, extra=..., confidence=None, metrics=None, audio_instructions=None, "
        "text_instructions=None)"
    ),
    "FunctionCall": (
        "(*, id=..., type='function_call', created_at=..., agent_id=None, name, arguments, "
        "call_id, metadata=None)"
    ),
    "FunctionCallOutput": (
        "(*, id=..., type='function_call_output', created_at=..., agent_id=None, name, call_id, "
        "output, is_error=False)"
    ),
    "AgentHandoff": (
        "(*, id=..., type='agent_handoff', created_at=..., agent_id=None, from_agent=None, "
        "to_agent, reason=None)"
    ),
    "AgentConfigUpdate": (
        "(*, id=..., type='agent_config_update', created_at=..., agent_id=None, "
        "instructions=None, tools=None)"
    ),
    "ImageContent": (
        "(*, id=..., type='image', image, inference_detail='auto', encode_options=...)"
    ),
    "LLMResponse": "(*, content, role, metadata=None)",
    "STTResponse": "(*, event_type, data, metadata=None)",
    "VADResponse": "(*, event_type, data, metadata=None)",
    "ConversationalGraphResponse": "(*, response_to_user, extracted_values=...)",
    "EncodeOptions": "(format='JPEG', resize_options=..., quality=90)",
    "ResizeOptions": "(width, height)",
    # ---- text --------------------------------------------------------------------------------
    "BasicSentenceChunker": (
        "(*, language='auto', min_sentence_len=20, strong_terminators=..., "
        "weak_terminators=..., abbreviations=None)"
    ),
    "BasicSentenceChunker.tokenize": "(text, *, language=None)",
    "BasicSentenceChunker.tokenize_raw": "(text, *, language=None)",
    "BasicSentenceChunker.stream": "(*, language=None)",
    "BufferedSentenceChunkStream": (
        "(*, tokenize_fn, strong_terminators, min_sentence_len=20, idle_flush_ms=150, "
        "idle_min_chars=12)"
    ),
    "BufferedSentenceChunkStream.push_text": "(text)",
    "BufferedSentenceChunkStream.flush": "()",
    "BufferedSentenceChunkStream.end_input": "()",
    "BasicTextFilter": (
        "(*, language='auto', strip_markdown=True, strip_llm_metadata=True, "
        "collapse_script_parens=True, normalise_punctuation=True, expand_symbols=True, "
        "expand_ranges=True, protect_structural=True, respect_quotes=True, respect_parens=True, "
        "ssml_flavor='none', verbalize_currency=True, verbalize_numbers=False, currency_hint=None)"
    ),
    "BasicTextFilter.for_language": "(language)",
    "BasicTextFilter.filter": "(chunks)",
    "BasicTextFilter.reset": "()",
    "EnglishHyphenator": "(patterns, exceptions='')",
    "EnglishHyphenator.hyphenate": "(word)",
    "IndicSentenceChunker": "(*, language='hi', min_sentence_len=1, idle_flush_ms=400)",
    "IndicScriptTransliterator": "(*, source, target)",
    "IndicScriptTransliterator.convert": "(text)",
    # ---- components ----------------------------------------------------------------------------
    "EOU": "(threshold=0.7)",
    "EOU.get_eou_probability": "(chat_context)",
    "EOU.detect_end_of_utterance": "(chat_context, threshold=None)",
    "EOU.set_threshold": "(threshold)",
    "EOU.prewarm": "()",
    "EOU.aclose": "()",
    "EOUConfig": "(mode='DEFAULT', min_max_speech_wait_timeout=[0.5, 0.8])",
    "InterruptConfig": (
        "(mode='HYBRID', interrupt_min_duration=0.5, interrupt_min_words=2, "
        "interrupt_min_confidence=0.0, false_interrupt_pause_duration=2.0, "
        "resume_on_false_interrupt=False, interrupt_fade_duration=0.4)"
    ),
    "EventEmitter.on": "(event, callback=None)",
    "EventEmitter.off": "(event, callback)",
    "EventEmitter.emit": "(event, *args)",
    "FallbackLLM": (
        "(providers, temporary_disable_sec=60.0, permanent_disable_after_attempts=3, "
        "latency_threshold_ms=None, consecutive_latency_hits=3)"
    ),
    "FallbackSTT": (
        "(providers, temporary_disable_sec=60.0, permanent_disable_after_attempts=3, "
        "latency_threshold_ms=None, consecutive_latency_hits=3)"
    ),
    "FallbackTTS": (
        "(providers, temporary_disable_sec=60.0, permanent_disable_after_attempts=3, "
        "latency_threshold_ms=None, consecutive_latency_hits=3)"
    ),
    "LLM.chat": "(messages, tools=None, conversational_graph=None, **kwargs)",
    "LLM.cancel_current_generation": "()",
    "LLM.aclose": "()",
    "STT": "(forward_interim_transcripts=False)",
    "STT.process_audio": "(audio_frames, language=None, **kwargs)",
    "STT.stream_transcribe": "(audio_stream, **kwargs)",
    "STT.on_stt_transcript": "(callback)",
    "STT.flush": "()",
    "STT.aclose": "()",
    "SpeechData": (
        "(text, confidence=0.0, language=None, start_time=0.0, end_time=0.0, duration=0.0)"
    ),
    "TTS": "(sample_rate=16000, num_channels=1, word_timestamps=False)",
    "TTS.synthesize": "(text, voice_id=None, **kwargs)",
    "TTS.interrupt": "()",
    "TTS.pause": "()",
    "TTS.resume": "()",
    "TTS.prewarm": "()",
    "TTS.stream_synthesize": "(text_stream, **kwargs)",
    "TTS.on_first_audio_byte": "(callback)",
    "TTS.reset_first_audio_tracking": "()",
    "TTS.aclose": "()",
    "TTSAudioCache": "(tts, max_entries=128)",
    "TTSAudioCache.fetch": "(text, *, voice_id=None)",
    "TTSAudioCache.preload": "(texts, *, voice_id=None)",
    "TTSAudioCache.clear": "()",
    "VAD": (
        "(sample_rate=16000, threshold=0.5, min_speech_duration=0.05, min_silence_duration=0.5)"
    ),
    "VAD.process_audio": "(audio_frames, **kwargs)",
    "VAD.on_vad_event": "(callback)",
    "VAD.flush": "()",
    "VAD.prewarm": "()",
    "VAD.aclose": "()",
    "RealtimeBaseModel": "()",
    "RealtimeBaseModel.instructions_with_context": "(base)",
    "RealtimeBaseModel.reframe_audio_track": "(rate_hz, frame_ms=20.0)",
    "RealtimeLLMAdapter": "(realtime_model, agent=None)",
    "CustomAudioStreamTrack": "(loop)",
    "TeeCustomAudioStreamTrack": "(loop, sinks=None, pipeline=None)",
    "TeeMixingCustomAudioStreamTrack": "(loop, sinks=None, pipeline=None)",
    # ---- pipeline ----------------------------------------------------------------------------
    "Pipeline": (
        "(stt=None, llm=None, tts=None, vad=None, turn_detector=None, avatar=None, denoise=None, "
        "eou_config=None, interrupt_config=None, conversational_graph=None, context_window=None, "
        "voice_mail_detector=None, realtime_config=None, text_chunking=True, text_filtering=True, "
        "chunker=None, text_filter=None, chunking_language='auto')"
    ),
    "Pipeline.on": "(event, callback=None)",
    "Pipeline.set_agent": "(agent)",
    "Pipeline.start": "(**kwargs)",
    "Pipeline.on_audio_delta": "(audio_data)",
    "Pipeline.on_video_delta": "(frame)",
    "Pipeline.get_latest_frames": "(num_frames=1)",
    "Pipeline.process_text": "(text)",
    "Pipeline.send_text_message": "(message)",
    "Pipeline.send_message": "(message, handle, audio_data=None)",
    "Pipeline.reply_with_context": "(instructions, wait_for_playback, handle, frames=None)",
    "Pipeline.interrupt": "()",
    "Pipeline.change_pipeline": (
        "(stt=..., llm=..., tts=..., vad=..., turn_detector=..., avatar=..., denoise=..., "
        "eou_config=None, interrupt_config=None, conversational_graph=None, context_window=None, "
        "voice_mail_detector=None, realtime_config=None)"
    ),
    "Pipeline.change_component": (
        "(stt=..., llm=..., tts=..., vad=..., turn_detector=..., denoise=...)"
    ),
    "Pipeline.set_voice_mail_detector": "(detector)",
    "Pipeline.set_wake_up_callback": "(callback)",
    "Pipeline.get_component_configs": "()",
    "Pipeline.get_session_metrics_snapshot": "()",
    "Pipeline.cleanup": "()",
    "Pipeline.leave": "()",
    # ---- job ---------------------------------------------------------------------------------
    "JobContext": "(*, room_options, metadata=None, loop=None)",
    "JobContext.connect": "()",
    "JobContext.shutdown": "()",
    "JobContext.add_shutdown_callback": "(callback)",
    "JobContext.wait_for_participant": "(participant_id=None)",
    "JobContext.wait_for_meeting_joined": "(timeout=30.0)",
    "JobContext.run_until_shutdown": "(session=None, wait_for_participant=False)",
    "JobContext.notify_meeting_joined": "()",
    "JobContext.get_room_id": "()",
    "JobContext.create_room_static": "(auth_token, signaling_base_url='api.videosdk.live')",
    "WorkerJob": "(entrypoint, jobctx=None, options=None)",
    "WorkerJob.start": "()",
    "Options": (
        "(executor_type=None, num_idle_processes=1, initialize_timeout=10.0, close_timeout=60.0, "
        "memory_warn_mb=500.0, memory_limit_mb=0.0, ping_interval=30.0, max_processes=1, "
        "agent_id='VideoSDKAgent', auth_token=None, permissions=None, max_retry=16, "
        "load_threshold=0.75, register=False, signaling_base_url='api.videosdk.live', "
        "host='0.0.0.0', port=8081, log_level='INFO')"
    ),
    "RoomOptions": (
        "(transport_mode=None, websocket=None, webrtc=None, traces=None, metrics=None, logs=None, "
        "observability=None, **kwargs)"
    ),
    "WebRTCConfig": "(signaling_url=None, signaling_type='websocket', ice_servers=None)",
    "WebSocketConfig": "(port=8080, path='/ws')",
    "RecordingOptions": "(video=False, screen_share=False)",
    "TracesOptions": "(enabled=True, export_url=None, export_headers=None)",
    "MetricsOptions": "(enabled=True, export_url=None, export_headers=None)",
    "LoggingOptions": (
        "(enabled=False, level='INFO', export_url=None, export_headers=None, "
        "send_to_dashboard=False)"
    ),
    "ObservabilityOptions": "(recording=None, traces=None, metrics=None, logs=None)",
    "Worker": "(options, default_room_options=None)",
    "Worker.run_worker": "(options, default_room_options=None)",
    "Worker.initialize": "(default_room_options=None)",
    "Worker.drain": "(timeout=None)",
    "Worker.shutdown": "()",
    "Worker.get_stats": "()",
    "WorkerOptions": (
        "(entrypoint_fnc, request_fnc=None, initialize_process_fnc=None, executor_type=..., "
        "num_idle_processes=2, initialize_timeout=10.0, close_timeout=60.0, memory_warn_mb=500.0, "
        "memory_limit_mb=0.0, ping_interval=30.0, max_processes=10, agent_id='VideoSDKAgent', "
        "auth_token=None, worker_type=..., permissions=..., max_retry=16, load_threshold=0.75, "
        "register=False, signaling_base_url='api.videosdk.live', host='0.0.0.0', port=8081, "
        "log_level='INFO')"
    ),
    # ---- execution ---------------------------------------------------------------------------
    "ResourceConfig": (
        "(resource_type=..., num_idle_resources=2, max_resources=10, initialize_timeout=10.0, "
        "close_timeout=60.0, memory_warn_mb=500.0, memory_limit_mb=0.0, ping_interval=30.0, "
        "health_check_interval=5.0, load_threshold=0.75, max_concurrent_tasks=1, "
        "executor_type=..., use_dedicated_inference_process=True, inference_process_timeout=30.0, "
        "inference_memory_warn_mb=1000.0)"
    ),
    "ResourceInfo": (
        "(resource_id, resource_type, status, current_load=0.0, memory_usage_mb=0.0, "
        "cpu_usage_percent=0.0, active_tasks=0, total_tasks_processed=0, last_heartbeat=0.0, "
        "metadata=...)"
    ),
    "TaskConfig": (
        "(task_type, timeout=300.0, retry_count=3, priority=0, required_memory_mb=100.0, "
        "required_cpu_cores=1, data=...)"
    ),
    "TaskResult": (
        "(task_id, status, result=None, error=None, execution_time=0.0, memory_used_mb=0.0)"
    ),
    "HealthMetrics": (
        "(resource_id, timestamp, memory_usage_mb, cpu_usage_percent, active_tasks, "
        "response_time_ms, error_count=0, success_count=0)"
    ),
    "ProcessResource": "(resource_id, config)",
    "ThreadResource": "(resource_id, config)",
    "DedicatedInferenceResource": "(resource_id, config)",
    "ResourceManager": "(config)",
    "ResourceManager.execute_task": "(task_config, entrypoint, *args, **kwargs)",
    "ResourceManager.get_stats": "()",
    "TaskExecutor": "(config)",
    "TaskExecutor.execute": (
        "(entrypoint, task_type=..., timeout=300.0, retry_count=3, priority=0, *args, **kwargs)"
    ),
    "TaskExecutor.get_stats": "()",
    # ---- provided by the tools branch (A2A, MCP, knowledge base) -----------------------------
    "A2AMessage": (
        "(from_agent, to_agent, type, content, id=..., timestamp=..., metadata=None)"
    ),
    "AgentCard": "(id, name, domain, capabilities, description, metadata=None)",
    "KnowledgeBaseConfig": "(id, top_k=3)",
    "KnowledgeBase": "(config)",
    "MCPServerHTTP": (
        "(endpoint_url, request_headers=None, connection_timeout=10.0, stream_read_timeout=300.0, "
        "session_timeout=5.0)"
    ),
    "MCPServerStdio": (
        "(executable_path, process_arguments, environment_vars=None, working_directory=None, "
        "session_timeout=5.0)"
    ),
    # ---- plugins -----------------------------------------------------------------------------
    "plugins.openai.OpenAILLM": (
        "(*, api_key=None, model='gpt-4o-mini', base_url=None, temperature=0.7, "
        "tool_choice='auto', max_completion_tokens=None, top_p=None, frequency_penalty=None, "
        "presence_penalty=None, seed=None, organization=None, project=None, "
        "parallel_tool_calls=None, timeout=None, extra_headers=None, extra_query=None, "
        "extra_body=None, client=None, max_retries=0, reasoning_effort=None, verbosity=None, "
        "streaming=False, store=False, wss_url=None)"
    ),
    "plugins.openai.OpenAILLM.azure": (
        "(*, model='gpt-4o-mini', azure_endpoint=None, azure_deployment=None, api_version=None, "
        "api_key=None, azure_ad_token=None, organization=None, project=None, base_url=None, "
        "temperature=0.7, tool_choice='auto', max_completion_tokens=None, "
        "reasoning_effort='none', verbosity='low', timeout=None)"
    ),
    "plugins.openai.OpenAISTT": (
        "(*, api_key=None, model='gpt-4o-mini-transcribe', base_url=None, prompt=None, "
        "language='en', turn_detection=None, enable_streaming=True, silence_threshold=0.01, "
        "silence_duration=0.8)"
    ),
    "plugins.openai.OpenAISTT.azure": (
        "(*, model='gpt-4o-mini-transcribe', language='en', prompt=None, azure_endpoint=None, "
        "azure_deployment=None, api_version=None, api_key=None, azure_ad_token=None, "
        "organization=None, project=None, base_url=None, turn_detection=None, "
        "enable_streaming=False, silence_threshold=0.01, silence_duration=0.8, timeout=None)"
    ),
    "plugins.openai.OpenAITTS": (
        "(*, api_key=None, model='gpt-4o-mini-tts', voice='ash', speed=1.0, instructions=None, "
        "language=None, base_url=None, response_format='pcm', chunked_synthesis=False)"
    ),
    "plugins.openai.OpenAITTS.azure": (
        "(*, model='gpt-4o-mini-tts', voice='ash', speed=1.0, instructions=None, language=None, "
        "azure_endpoint=None, azure_deployment=None, api_version=None, api_key=None, "
        "azure_ad_token=None, organization=None, project=None, base_url=None, "
        "response_format='pcm', chunked_synthesis=False, timeout=None)"
    ),
    "plugins.openai.OpenAIRealtime": "(*, api_key=None, model, config=None, base_url=None)",
    "plugins.openai.OpenAIRealtimeConfig": (
        "(voice='alloy', temperature=0.8, turn_detection=..., input_audio_transcription=..., "
        "tool_choice='auto', modalities=...)"
    ),
    "plugins.deepgram.DeepgramSTT": (
        "(*, api_key=None, model='nova-2', language='en-US', interim_results=True, "
        "punctuate=True, smart_format=True, sample_rate=48000, endpointing=50, filler_words=True, "
        "base_url='wss://api.deepgram.com/v1/listen')"
    ),
    "plugins.deepgram.DeepgramSTTV2": (
        "(*, api_key=None, model='flux-general-en', input_sample_rate=48000, "
        "target_sample_rate=16000, eager_eot_threshold=0.6, eot_threshold=0.8, "
        "eot_timeout_ms=7000, base_url='wss://api.deepgram.com/v2/listen', "
        "enable_preemptive_generation=False)"
    ),
    "plugins.deepgram.DeepgramTTS": (
        "(*, api_key=None, model='aura-2-thalia-en', encoding='linear16', sample_rate=24000, "
        "base_url='wss://api.deepgram.com/v1/speak', **kwargs)"
    ),
    "plugins.turn_detector.pre_download_model": "()",
}

DELIBERATE: dict[str, str] = {
    "InterruptConfig": (
        "resume_on_false_interrupt defaults to True: a cough or a 'mm-hmm' pauses the agent and "
        "it goes on, instead of stopping mid-sentence (docs/porting.md; pass False for the "
        "reference's behaviour)"
    ),
    "RoomOptions": (
        "a dataclass with every field as a keyword argument (the reference took them through "
        "**kwargs and silently ignored unknown ones); unknown keywords raise TypeError"
    ),
}
