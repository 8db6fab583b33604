"""The yardstick: what the same Whisper model hears offline in the audio the server received.

The audio a path delivers to the server is rebuilt from what the client sent, through the
path's real codec (mu-law for ``/twilio``, aiortc's own Opus encoder and decoder for WebRTC,
nothing for ``/ws`` and file mode), then resampled to 16 kHz with soxr "VHQ" and decoded whole
by ``WhisperSTT``'s model with its final-decode settings.
"""

from __future__ import annotations

import numpy as np

from vocalis.audio import resample_pcm
from vocalis.plugins.whisper import transcribe

from .record import Utterance

WHISPER_RATE = 16000
MARGIN_BEFORE = 0.3
MARGIN_AFTER = 0.4


def received_by_server(path: str, sent: np.ndarray, rate: int) -> np.ndarray:
    """The s16 samples the server's transport hands the session for ``sent``."""
    if path == "twilio":
        from vocalis.transports.telephony import mulaw

        return np.frombuffer(mulaw.decode(mulaw.encode(sent.tobytes())), dtype="<i2")
    if path == "webrtc":
        return opus_round_trip(sent, rate)
    return sent


def opus_round_trip(sent: np.ndarray, rate: int) -> np.ndarray:
    """``sent`` through aiortc's Opus encoder and decoder, mixed to mono as the server does."""
    import fractions

    import av
    from aiortc.codecs.opus import OpusDecoder, OpusEncoder
    from aiortc.jitterbuffer import JitterFrame

    from vocalis.transports.webrtc import frame_to_mono_pcm

    encoder, decoder = OpusEncoder(), OpusDecoder()
    step = rate // 50
    out: list[bytes] = []
    for i in range(0, len(sent) - step + 1, step):
        frame = av.AudioFrame.from_ndarray(sent[i:i + step].reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = rate
        frame.pts = i
        frame.time_base = fractions.Fraction(1, rate)
        payloads, timestamp = encoder.encode(frame)
        for payload in payloads:
            for decoded in decoder.decode(JitterFrame(data=payload, timestamp=timestamp)):
                out.append(frame_to_mono_pcm(decoded))
    return np.frombuffer(b"".join(out), dtype="<i2")


def segment(received: np.ndarray, rate: int, utterance: Utterance) -> np.ndarray:
    """The utterance (with a margin each side) from the received stream, float32 at 16 kHz."""
    a = max(0, utterance.start_sample - int(MARGIN_BEFORE * rate))
    b = min(len(received), utterance.start_sample + utterance.samples + int(MARGIN_AFTER * rate))
    pcm = resample_pcm(received[a:b].tobytes(), rate, WHISPER_RATE, quality="VHQ")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


class OfflineWhisper:
    """``WhisperSTT``'s model (``tiny.en``, int8, CPU) decoding whole segments offline, beam 5,
    in Whisper's standard 30-second window (not the live decoder's fitted one)."""

    def __init__(self, model: str = "tiny.en", beam_size: int = 5) -> None:
        self.model = model
        self.beam_size = beam_size

    def __call__(self, audio: np.ndarray) -> str:
        return transcribe(audio, model=self.model, beam_size=self.beam_size).text
