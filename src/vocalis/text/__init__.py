"""Text for speech: sentence chunking and clean-up of LLM text before TTS."""

from .abbreviations import ABBREVIATIONS_BY_LANG, ABBREVIATIONS_EN
from .chunk_stream import BufferedSentenceChunkStream, SentenceChunkStream
from .chunker import BasicSentenceChunker, SentenceChunker
from .long_text import split_long_text
from .sanitize import sanitize_text
from .scripts import detect_script, normalize_lang_code
from .terminators import STRONG_TERMINATORS, WEAK_TERMINATORS
from .text_filter import BasicTextFilter, TextFilter

__all__ = [
    "ABBREVIATIONS_BY_LANG",
    "ABBREVIATIONS_EN",
    "STRONG_TERMINATORS",
    "WEAK_TERMINATORS",
    "BasicSentenceChunker",
    "BasicTextFilter",
    "BufferedSentenceChunkStream",
    "SentenceChunkStream",
    "SentenceChunker",
    "TextFilter",
    "detect_script",
    "normalize_lang_code",
    "sanitize_text",
    "split_long_text",
]
