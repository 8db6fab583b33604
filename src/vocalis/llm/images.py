"""Video frames as images for vision LLMs: ``encode(frame, EncodeOptions(...))`` (the reference's
``agents.images``): resize (LANCZOS) and save as JPEG or PNG with Pillow."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class ResizeOptions:
    """Target size of an encoded frame, in pixels."""

    width: int
    height: int


@dataclass
class EncodeOptions:
    """How a video frame becomes image bytes: format, size (None keeps it) and JPEG quality."""

    format: Literal["JPEG", "PNG"] = "JPEG"
    resize_options: ResizeOptions | None = field(
        default_factory=lambda: ResizeOptions(width=320, height=240)
    )
    quality: int = 90

    def __post_init__(self) -> None:
        if self.format not in ("JPEG", "PNG"):
            raise ValueError(f"format must be 'JPEG' or 'PNG', got {self.format!r}")
        if not 0 <= self.quality <= 100:
            raise ValueError(f"quality must be in 0..100, got {self.quality}")

    @property
    def mime_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


def encode(frame: Any, options: EncodeOptions) -> bytes:
    """Encode a PyAV ``VideoFrame`` (or a Pillow image) as ``options`` says."""
    from PIL import Image

    image = frame if isinstance(frame, Image.Image) else frame.to_image()
    if options.resize_options is not None:
        size = (options.resize_options.width, options.resize_options.height)
        image = image.resize(size, Image.Resampling.LANCZOS)
    if options.format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if options.format == "JPEG":
        image.save(buffer, format="JPEG", quality=options.quality, optimize=True, subsampling=0)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
