"""The application icon: an SVG and a PNG at every size a desktop asks for."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from app.resources import icon_path
from tests.packaging.scripts import load

REPO = Path(__file__).resolve().parents[2]
SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_header(path: Path) -> tuple[int, int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


@pytest.mark.parametrize("size", SIZES)
def test_every_size_is_a_square_png_with_transparency(size):
    path = icon_path(size)
    width, height, depth, colour = png_header(path)
    assert (width, height) == (size, size)
    assert depth == 8 and colour == 6  # RGBA: the rounded corners are see-through


def test_the_svg_is_what_the_app_shows():
    svg = icon_path()
    assert svg == REPO / "resources" / "icons" / "webgen-studio.svg"
    text = svg.read_text()
    assert 'viewBox="0 0 512 512"' in text and "<filter" not in text  # QtSvg draws it all


def test_the_pngs_are_rendered_from_the_current_svg(tmp_path, qapp):
    """A changed SVG without re-rendered PNGs shows an old icon in menus: render and compare."""
    from PySide6.QtGui import QImage

    load("render_icons").render_all(icon_path(), tmp_path, sizes=(32, 256))
    for size in (32, 256):
        fresh = QImage(str(tmp_path / f"webgen-studio-{size}.png"))
        kept = QImage(str(icon_path(size)))
        assert (fresh.width(), fresh.height()) == (kept.width(), kept.height())
        diff = sum(
            abs(fresh.pixelColor(x, y).red() - kept.pixelColor(x, y).red())
            + abs(fresh.pixelColor(x, y).alpha() - kept.pixelColor(x, y).alpha())
            for x in range(0, size, 3)
            for y in range(0, size, 3)
        )
        samples = len(range(0, size, 3)) ** 2
        assert diff / samples < 4, f"{icon_path(size)} is out of date: run render_icons.py"
    big = QImage(str(icon_path(256)))
    assert big.pixelColor(2, 2).alpha() == 0  # a rounded tile, not a square
    assert big.pixelColor(128, 200).alpha() == 255
