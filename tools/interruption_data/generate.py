"""Generate the interruption corpus (dev only; the audio stays out of git).

    python -m tools.interruption_data.generate [--out build/interruption_corpus] [--jobs 2]
        [--subsets train train_extra ...]

Needs ``espeak-ng``, ``flite``, ``festival``, ``festvox-kdlpc16k`` and ``festvox-us-slt-hts``
(apt), ``vocalis[local]`` (Piper) and scipy. About 35 minutes on two busy cores; 1.6 GB of
output.

Writes one ``<subset>.npz`` per subset (``audio``: int16 16 kHz clips from 0.6 s before the
caller's first voiced sample to 1.5 s after it; ``meta``: one JSON object per clip) and the
small committed ``manifest.json`` beside this script. Every clip's randomness comes from a
seed derived from its subset, voice, phrase and rendition, so the corpus is the same on every
run and with any number of jobs. Subsets:

- ``train``: training voices x training phrases, each said twice, two random line conditions;
- ``test``: test voices x test phrases, every transport path at every noise level (the
  held-out set: voices and phrases training never saw);
- ``test_seen_phrases``: test voices x training phrases (unseen voices only);
- ``joe_unseen_phrases``: Piper's joe (a training voice, new settings) x test phrases;
- ``train_extra`` (round 2): the extra training voices x all training phrases (round 2's
  extra phrases included), and the round-1 training voices x the extra phrases, once each;
- ``test_hts``: Festival's HTS voice of the test speaker slt x test phrases, every condition
  (a second held-out set, with smoother speech than the formant and diphone voices).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import zlib
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from . import channel, phrases, sounds, voices

SEED = 16
PRE_ONSET = 0.6
POST_ONSET = 1.5
CLIP_SAMPLES = int((PRE_ONSET + POST_ONSET) * channel.DETECTOR_RATE)
MANIFEST = Path(__file__).with_name("manifest.json")
SYNTH_PER_KIND = {"train": 60, "test": 20}
SUBSETS = ("train", "test", "test_seen_phrases", "joe_unseen_phrases", "train_extra", "test_hts")
ALL_CONDITIONS = [(c, s) for c in channel.CHANNELS for s in channel.SNRS]


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode()) ^ SEED


def _phrase_jobs(subset: str, voice_list, phrase_sets, renditions: int, conditions: int | None):
    for voice in voice_list:
        for cls, texts in phrase_sets:
            for text in texts:
                for rendition in range(renditions):
                    yield {"subset": subset, "voice": voice, "cls": cls, "phrase": text,
                           "rendition": rendition, "conditions": conditions}


def jobs() -> list[dict]:
    """Every utterance of every subset, with how many line conditions it is rendered under."""
    train_phrases = [("interruption", phrases.INTERRUPTION_TRAIN),
                     ("backchannel", phrases.BACKCHANNEL_TRAIN),
                     ("vocal_sound", phrases.VOCAL_SOUND_TRAIN)]
    test_phrases = [("interruption", phrases.INTERRUPTION_TEST),
                    ("backchannel", phrases.BACKCHANNEL_TEST),
                    ("vocal_sound", phrases.VOCAL_SOUND_TEST)]
    extra_phrases = [("interruption", phrases.INTERRUPTION_TRAIN_EXTRA),
                     ("backchannel", phrases.BACKCHANNEL_TRAIN_EXTRA)]
    joe = voices.Voice("piper", "en_US-joe-medium", {"length": 1.0, "noise": 0.667, "noise_w": 0.8})
    out = [
        *_phrase_jobs("train", voices.TRAIN_VOICES, train_phrases, 2, 2),
        *_phrase_jobs("test", voices.TEST_VOICES, test_phrases, 1, None),
        *_phrase_jobs("test_seen_phrases", voices.TEST_VOICES, train_phrases, 1, 2),
        *_phrase_jobs("joe_unseen_phrases", [joe], test_phrases, 1, None),
        *_phrase_jobs("train_extra", voices.EXTRA_TRAIN_VOICES, train_phrases + extra_phrases, 1, 2),
        *_phrase_jobs("train_extra", voices.TRAIN_VOICES, extra_phrases, 1, 2),
        *_phrase_jobs("test_hts", voices.HTS_TEST_VOICES, test_phrases, 1, None),
    ]
    for subset, count in (("train", SYNTH_PER_KIND["train"]), ("test", SYNTH_PER_KIND["test"])):
        for kind in phrases.SYNTH_SOUNDS:
            for i in range(count):
                out.append({"subset": subset, "voice": None, "cls": kind, "phrase": f"<{kind}>",
                            "rendition": i, "conditions": 2 if subset == "train" else None})
    return out


_POOLS: dict[str, np.ndarray] = {}


def _babble(split: str) -> np.ndarray:
    if split not in _POOLS:
        rng = np.random.default_rng(_seed("babble", split))
        clips = [v.render(s, rng) for v in voices.BABBLE_VOICES[split] for s in phrases.BABBLE_SENTENCES]
        _POOLS[split] = channel.babble_pool(clips)
    return _POOLS[split]


def _speech(job: dict, seed: int) -> tuple[np.ndarray, int, float | None]:
    """The utterance (float, native rate) and, for "head | tail" phrases, the head's duration."""
    voice = job["voice"]
    if voice is None:
        audio, rate = sounds.render(job["cls"], np.random.default_rng(seed))
        return audio, rate, None
    text, head = phrases.split_phrase(job["phrase"])
    audio, rate = voice.render(text, np.random.default_rng(seed))
    if head is None:
        return audio, rate, None
    head_audio, head_rate = voice.render(head, np.random.default_rng(seed))  # same jitter draws
    start, end = channel.voiced_span(head_audio, head_rate)
    return audio, rate, (end - start) / head_rate


def render_job(job: dict) -> list[tuple[np.ndarray, dict]]:
    """All clips of one utterance: one per line condition."""
    voice_id = job["voice"].id if job["voice"] else "synth"
    seed = _seed(job["subset"], voice_id, job["phrase"], job["rendition"])
    speech, rate, ambiguous = _speech(job, seed)
    rng = np.random.default_rng(seed + 1)
    conditions = ALL_CONDITIONS
    if job["conditions"] is not None:
        picks = rng.choice(len(ALL_CONDITIONS), size=job["conditions"], replace=False)
        conditions = [ALL_CONDITIONS[i] for i in picks]
    split = "train" if job["subset"].startswith("train") else "test"
    clips = []
    for line, snr in conditions:
        noise = str(rng.choice(["babble", "street"]))
        level = float(rng.uniform(-28, -14))
        rendered = channel.render(speech, rate, channel=line, snr=snr, noise_kind=noise, rng=rng,
                                  pool=_babble(split), level_dbfs=level)
        start = rendered.onset - int(PRE_ONSET * channel.DETECTOR_RATE)
        clip = rendered.audio[start : start + CLIP_SAMPLES]
        clip = np.pad(clip, (0, CLIP_SAMPLES - len(clip)))
        clips.append((clip, {
            "subset": job["subset"], "cls": job["cls"], "phrase": job["phrase"], "voice": voice_id,
            "channel": line, "snr": snr, "noise": noise if snr is not None else None,
            "level_dbfs": round(level, 1), "ambiguous_until": ambiguous,
            "speech_seconds": round((rendered.end - rendered.onset) / channel.DETECTOR_RATE, 3),
        }))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/interruption_corpus"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--subsets", nargs="+", choices=SUBSETS, default=list(SUBSETS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    all_jobs = [j for j in jobs() if j["subset"] in args.subsets]
    with Pool(args.jobs) as pool:
        results = pool.map(render_job, all_jobs, chunksize=8)
    previous = json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.exists() else {}
    manifest: dict = {
        "seed": SEED, "rate": channel.DETECTOR_RATE, "pre_onset_s": PRE_ONSET, "post_onset_s": POST_ONSET,
        "voices": {"train": [v.id for v in voices.TRAIN_VOICES], "test": [v.id for v in voices.TEST_VOICES],
                   "train_extra": [v.id for v in voices.EXTRA_TRAIN_VOICES],
                   "test_hts": [v.id for v in voices.HTS_TEST_VOICES]},
        "phrases": {
            "train": {"interruption": phrases.INTERRUPTION_TRAIN, "backchannel": phrases.BACKCHANNEL_TRAIN,
                      "vocal_sound": phrases.VOCAL_SOUND_TRAIN},
            "test": {"interruption": phrases.INTERRUPTION_TEST, "backchannel": phrases.BACKCHANNEL_TEST,
                     "vocal_sound": phrases.VOCAL_SOUND_TEST},
        },
        "synth_sounds": {"kinds": phrases.SYNTH_SOUNDS, "per_kind": SYNTH_PER_KIND},
        "conditions": {"channels": list(channel.CHANNELS), "snr_db": list(channel.SNRS),
                       "noise": ["babble", "street"]},
        "subsets": previous.get("subsets", {}),
    }
    for subset in args.subsets:
        clips = [c for r in results for c in r if c[1]["subset"] == subset]
        audio = np.stack([c[0] for c in clips])
        meta = [c[1] for c in clips]
        path = args.out / f"{subset}.npz"
        np.savez(path, audio=audio, meta=np.array([json.dumps(m) for m in meta]))
        manifest["subsets"][subset] = {
            "clips": len(meta),
            "by_class": dict(sorted(Counter(m["cls"] for m in meta).items())),
            "audio_sha256": hashlib.sha256(audio.tobytes()).hexdigest(),
        }
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
