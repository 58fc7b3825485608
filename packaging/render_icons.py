"""Render the application icon's PNGs from its SVG with QtSvg (offscreen, no display needed).

    .venv/bin/python packaging/render_icons.py [--svg PATH] [--out DIR]

Writes ``webgen-studio-<size>.png`` for every size in :data:`SIZES` next to the SVG (or into
``--out``). The PNGs are committed; run this again after changing the SVG.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
NAME = "webgen-studio"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> Path:
    """Draw ``svg`` into a transparent square PNG of ``size`` pixels.

    Args:
        svg: The source SVG.
        size: Width and height in pixels.
        out: The PNG to write.

    Returns:
        ``out``.

    Raises:
        ValueError: The SVG cannot be parsed.
        OSError: The PNG cannot be written.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG QtSvg can draw; check it in a browser")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    return out


def render_all(svg: Path, out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render every size of the icon into ``out_dir``; returns the files written."""
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    return [render(svg, size, out_dir / f"{NAME}-{size}.png") for size in sizes]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: render the PNGs and list them."""
    parser = argparse.ArgumentParser(description="Render the icon's PNGs from its SVG.")
    parser.add_argument("--svg", type=Path, default=ICONS / f"{NAME}.svg")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: the SVG's)")
    args = parser.parse_args(argv)
    try:
        written = render_all(args.svg, args.out or args.svg.parent)
    except (ValueError, OSError) as exc:
        print(f"render_icons: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
