"""Vocalis audio layer: s16 PCM frames, streaming resampling, files, mixing, the output track."""

from .background import (
    BackgroundAudioConfig,
    BackgroundAudioHandlerConfig,
    BackgroundSource,
    synthetic_ambience,
    synthetic_typing,
)
from .fade import apply_fade_out, fade_out_gain
from .files import load_audio_file, read_wav, write_wav
from .frames import (
    FRAME_MS,
    SAMPLE_WIDTH,
    AudioFormat,
    AudioFormatError,
    AudioFrame,
    FrameChunker,
    array_to_pcm,
    check_pcm,
    frame_bytes,
    frame_samples,
    is_silent,
    leading_quiet_samples,
    pcm_duration,
    pcm_to_array,
    rms,
    rms_dbfs,
    sample_count,
    silence,
)
from .mixer import AudioMixer
from .output_track import OutputTrack, TrackEndedError
from .pacing import FramePacer
from .resampler import ResampleQuality, StreamResampler, resample_pcm
from .tee import TeeOutputTrack

__all__ = [
    "FRAME_MS",
    "SAMPLE_WIDTH",
    "AudioFormat",
    "AudioFormatError",
    "AudioFrame",
    "AudioMixer",
    "BackgroundAudioConfig",
    "BackgroundAudioHandlerConfig",
    "BackgroundSource",
    "FrameChunker",
    "FramePacer",
    "OutputTrack",
    "ResampleQuality",
    "StreamResampler",
    "TeeOutputTrack",
    "TrackEndedError",
    "apply_fade_out",
    "array_to_pcm",
    "check_pcm",
    "fade_out_gain",
    "frame_bytes",
    "frame_samples",
    "is_silent",
    "leading_quiet_samples",
    "load_audio_file",
    "pcm_duration",
    "pcm_to_array",
    "read_wav",
    "resample_pcm",
    "rms",
    "rms_dbfs",
    "sample_count",
    "silence",
    "synthetic_ambience",
    "synthetic_typing",
    "write_wav",
]
