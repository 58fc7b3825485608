"""Images the user attaches to a request: checked, scaled down to a limit, re-encoded.

PNG, JPEG and WebP are taken. Every image is decoded (so a damaged or mislabelled file is
refused with a reason, not sent), turned upright by its EXIF orientation, scaled so its
longest side is at most the limit, and encoded as PNG (when it has transparency or was a
PNG) or JPEG: the two formats every model server decodes. The work is CPU-bound: callers on
an event loop run :func:`prepare_image` with ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from agent_core.config import IMAGE_MAX_SIDE
from agent_core.errors import WebGenError

ACCEPTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
"""Pillow's format names of the images taken, with the names users know."""
FILE_PATTERNS = ("*.png", "*.jpg", "*.jpeg", "*.webp")
"""For file pickers."""
MAX_FILE_BYTES = 40_000_000
"""A larger file is refused before it is decoded."""
MAX_PIXELS = 80_000_000
"""A larger picture (a decompression bomb, or a poster scan) is refused before decoding."""
MIN_SIDE = 8
JPEG_QUALITY = 90


class ImageInputError(WebGenError):
    """An attached image cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to store and send.

    Attributes:
        data: PNG or JPEG bytes.
        suffix: ``.png`` or ``.jpg``.
        width: Width after scaling, in pixels.
        height: Height after scaling, in pixels.
        source: Where it came from (a file name, or "pasted image").
        scaled_from: The original size when it was scaled down, else None.
    """

    data: bytes
    suffix: str
    width: int
    height: int
    source: str
    scaled_from: tuple[int, int] | None = None

    @property
    def digest(self) -> str:
        """A short content hash: the same picture attached twice is stored once."""
        return hashlib.sha256(self.data).hexdigest()[:16]

    @property
    def file_name(self) -> str:
        """The name it is stored under in the run's ``inputs/`` folder."""
        return f"{self.digest}{self.suffix}"


def prepare_image(data: bytes, source: str, max_side: int = IMAGE_MAX_SIDE) -> PreparedImage:
    """Check, scale and re-encode one image.

    Args:
        data: The file's bytes, or a pasted image encoded as PNG.
        source: A name for messages (the file name).
        max_side: Longest side allowed, in pixels.

    Returns:
        The prepared image.

    Raises:
        ImageInputError: The bytes are not a PNG, JPEG or WebP image that can be decoded,
            or the picture is too large or too small.
    """
    _check_size(len(data), source)
    image = _open(data, source)
    original = image.size
    if image.width < MIN_SIDE or image.height < MIN_SIDE:
        raise ImageInputError(f"{source} is only {image.width}x{image.height} pixels: too "
                              "small to show a design")
    image = ImageOps.exif_transpose(image)
    scale = max(1, max_side) / max(image.size)
    scaled = scale < 1
    if scaled:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    try:
        encoded, suffix = _encode(image, keep_png=_format_of(data) == "PNG")
    except (OSError, ValueError) as exc:  # an unusual colour mode Pillow cannot convert
        raise ImageInputError(f"{source} cannot be converted ({exc}); save it as an "
                              "ordinary RGB PNG or JPEG and attach it again") from exc
    return PreparedImage(encoded, suffix, image.width, image.height, source,
                         original if scaled else None)


def read_image_file(path: Path, max_side: int = IMAGE_MAX_SIDE) -> PreparedImage:
    """Read and prepare the image file ``path`` (see :func:`prepare_image`).

    Raises:
        ImageInputError: The file cannot be read, or is not a usable image.
    """
    try:
        _check_size(path.stat().st_size, path.name)
        data = path.read_bytes()
    except OSError as exc:
        raise ImageInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return prepare_image(data, path.name, max_side)


def _check_size(size: int, source: str) -> None:
    if size > MAX_FILE_BYTES:
        raise ImageInputError(f"{source} is {size / 1e6:.0f} MB; images of up to "
                              f"{MAX_FILE_BYTES // 1_000_000} MB are taken")


def _format_of(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _open(data: bytes, source: str) -> Image.Image:
    """Decode ``data`` fully, refusing what is not an accepted format or too large."""
    wanted = ", ".join(ACCEPTED_FORMATS.values())
    if _format_of(data) is None:
        raise ImageInputError(f"{source} is not a {wanted} image")
    try:
        image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        if image.width * image.height > MAX_PIXELS:
            raise ImageInputError(f"{source} is {image.width}x{image.height} pixels; pictures "
                                  f"of up to {MAX_PIXELS // 1_000_000} megapixels are taken")
        image.load()
    except ImageInputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageInputError(f"{source} cannot be read as a {wanted} image ({exc})") from exc
    return image


def _encode(image: Image.Image, *, keep_png: bool) -> tuple[bytes, str]:
    """PNG for pictures with transparency or that were PNGs; JPEG for the rest."""
    out = io.BytesIO()
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if keep_png or transparent:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if transparent else "RGB")
        image.save(out, format="PNG", optimize=False)
        return out.getvalue(), ".png"
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), ".jpg"


__all__ = [
    "FILE_PATTERNS", "ImageInputError", "PreparedImage", "prepare_image", "read_image_file",
]
