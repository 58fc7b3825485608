"""Attached pictures: what is taken, how it is scaled, and what is refused and why."""

from __future__ import annotations

import pytest

from agent_core.protocol.images import ImageInputError, prepare_image, read_image_file
from tests.support.pictures import colour_at, mockup, size_and_format


def test_a_large_png_is_scaled_to_the_limit_and_stays_a_png():
    prepared = prepare_image(mockup(3136, 1000), "wide.png", max_side=1568)

    assert size_and_format(prepared.data) == (1568, 500, "PNG")
    assert (prepared.width, prepared.height, prepared.suffix) == (1568, 500, ".png")
    assert prepared.scaled_from == (3136, 1000)
    # The picture is the same picture: red header band, cream body.
    assert colour_at(prepared.data, 700, 20) == (200, 40, 40)
    assert colour_at(prepared.data, 700, 300) == (245, 240, 230)
    assert prepared.file_name == f"{prepared.digest}.png"


def test_a_small_jpeg_is_kept_at_its_size():
    prepared = prepare_image(mockup(800, 600, fmt="JPEG"), "photo.jpg", max_side=1568)

    assert size_and_format(prepared.data) == (800, 600, "JPEG")
    assert prepared.scaled_from is None and prepared.suffix == ".jpg"


def test_the_limit_is_configurable():
    prepared = prepare_image(mockup(1000, 2000, fmt="JPEG"), "tall.jpg", max_side=500)

    assert (prepared.width, prepared.height) == (250, 500)


@pytest.mark.parametrize(("alpha", "expected"), [(True, "PNG"), (False, "JPEG")])
def test_webp_becomes_a_format_every_model_server_reads(alpha, expected):
    prepared = prepare_image(mockup(400, 300, fmt="WEBP", alpha=alpha), "mock.webp")

    assert size_and_format(prepared.data)[2] == expected


def test_a_gif_is_refused_by_name():
    with pytest.raises(ImageInputError, match=r"anim\.gif is not a PNG, JPEG, WebP image"):
        prepare_image(mockup(100, 100, fmt="GIF"), "anim.gif")


def test_a_damaged_png_is_refused_with_the_reason():
    damaged = mockup(400, 300)[:200]

    with pytest.raises(ImageInputError, match=r"cut\.png cannot be read as a PNG"):
        prepare_image(damaged, "cut.png")


def test_a_text_file_named_png_is_refused():
    with pytest.raises(ImageInputError, match=r"notes\.png is not a PNG"):
        prepare_image(b"just some notes\n" * 10, "notes.png")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ImageInputError, match=r"cannot read .*gone\.png"):
        read_image_file(tmp_path / "gone.png")


def test_a_tiny_picture_is_refused():
    with pytest.raises(ImageInputError, match="only 4x4 pixels"):
        prepare_image(mockup(4, 4), "dot.png")
