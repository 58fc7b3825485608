"""Real pictures made in tests: a mockup with coloured bands, in any format Pillow writes."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def mockup(width: int = 640, height: int = 400, *, fmt: str = "PNG", alpha: bool = False,
           band: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A page mockup: a coloured header band over a light body, encoded as ``fmt``."""
    mode = "RGBA" if alpha else "RGB"
    image = Image.new(mode, (width, height), (245, 240, 230, 255) if alpha else (245, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height // 5), fill=band)
    if alpha:
        draw.rectangle((0, height - height // 5, width - 1, height - 1), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def size_and_format(data: bytes) -> tuple[int, int, str]:
    """Width, height and Pillow's format name of encoded picture bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return image.width, image.height, str(image.format)


def colour_at(data: bytes, x: int, y: int) -> tuple[int, ...]:
    """The RGB colour at (x, y)."""
    with Image.open(io.BytesIO(data)) as image:
        return tuple(image.convert("RGB").getpixel((x, y)))  # type: ignore[arg-type]
