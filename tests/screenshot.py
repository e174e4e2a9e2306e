"""Screenshots of the private desktop: `xwd` captures the X screen, a few lines of Python turn it into a PNG.

No imaging library is needed: `xwd` (Debian package x11-apps) writes the screen as an XWD file, whose
ZPixmap pixels this module reads for 24- and 32-bit TrueColor visuals (what Xvfb offers at depth 24),
and PNG is written and read with `zlib` and `struct` alone.
"""

from __future__ import annotations

import struct
import subprocess
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .desktop import Desktop

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XWD_HEADER = struct.Struct(">25I")
XWD_ZPIXMAP = 2
XWD_TRUE_COLOR, XWD_DIRECT_COLOR = 4, 5
XWD_COLOR_ENTRY_BYTES = 12
CAPTURE_TIMEOUT_S = 30.0


class Box(NamedTuple):
    """A rectangle of the screen in pixels, as PIL counts it: `right` and `bottom` are just outside."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def grow(self, margin: int) -> Box:
        return Box(self.left - margin, self.top - margin, self.right + margin, self.bottom + margin)

    def within(self, width: int, height: int) -> Box:
        """This box clipped to a `width` × `height` screen."""
        return Box(max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom))


@dataclass(frozen=True)
class Image:
    """Pixels as 8-bit RGB, three bytes each, rows from the top."""

    width: int
    height: int
    rgb: bytes

    def __post_init__(self) -> None:
        if len(self.rgb) != self.width * self.height * 3:
            raise ValueError(f"{len(self.rgb)} bytes cannot be a {self.width}×{self.height} RGB image")

    def row(self, y: int) -> bytes:
        stride = self.width * 3
        return self.rgb[y * stride : (y + 1) * stride]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = (y * self.width + x) * 3
        red, green, blue = self.rgb[at : at + 3]
        return red, green, blue

    def crop(self, box: Box | tuple[int, int, int, int]) -> Image:
        """The part inside `box` (left, top, right, bottom), clipped to the image; an empty box is an error."""
        box = Box(*box).within(self.width, self.height)
        if box.width <= 0 or box.height <= 0:
            raise ValueError(f"{box} does not overlap the {self.width}×{self.height} image")
        rows = (self.row(y)[box.left * 3 : box.right * 3] for y in range(box.top, box.bottom))
        return Image(box.width, box.height, b"".join(rows))

    def colours(self) -> int:
        """How many distinct colours: 1 for a blank area, dozens wherever text is anti-aliased."""
        return len({self.rgb[at : at + 3] for at in range(0, len(self.rgb), 3)})

    def png(self) -> bytes:
        return encode_png(self)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: Image) -> bytes:
    """8-bit RGB, not interlaced, every row with filter 0 (none): simple, and zlib still shrinks a screen ~50×."""
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + image.row(y) for y in range(image.height))
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    by_left, by_up, by_up_left = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if by_left <= by_up and by_left <= by_up_left:
        return left
    return up if by_up <= by_up_left else up_left


def decode_png(data: bytes) -> Image:
    """Read an 8-bit RGB PNG, checking every chunk's CRC, so a test can prove a written file is a valid PNG."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG: wrong signature")
    at, chunks = len(PNG_SIGNATURE), []
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at)
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack_from(">I", data, at + 8 + length)
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"PNG chunk {kind!r} has a bad CRC")
        chunks.append((kind, body))
        at += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise ValueError("a PNG starts with IHDR and ends with IEND")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if (depth, colour, interlace) != (8, 2, 0):
        raise ValueError(f"only 8-bit RGB, non-interlaced PNGs are read here, not {depth=} {colour=} {interlace=}")
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * 3
    if len(raw) != height * (stride + 1):
        raise ValueError(f"PNG pixel data is {len(raw)} bytes, expected {height * (stride + 1)}")
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 0:
            pass
        elif kind in (1, 2, 3, 4):
            for i in range(stride):
                left = line[i - 3] if i >= 3 else 0
                up, up_left = previous[i], previous[i - 3] if i >= 3 else 0
                predictor = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
                line[i] = (line[i] + predictor) & 0xFF
        else:
            raise ValueError(f"PNG row {y} has unknown filter {kind}")
        previous = bytes(line)
        rows.append(previous)
    return Image(width, height, b"".join(rows))


def _channel_offsets(mask: int, pixel_bytes: int, least_significant_first: bool) -> int:
    """Where, in a pixel's bytes, the 8 bits of one colour channel sit."""
    shift = (mask & -mask).bit_length() - 1
    if mask >> shift != 0xFF or shift % 8:
        raise ValueError(f"colour mask {mask:#x} is not one whole byte; only 8-bit channels are read")
    return shift // 8 if least_significant_first else pixel_bytes - 1 - shift // 8


def parse_xwd(data: bytes) -> Image:
    """The pixels of an XWD file from `xwd`: ZPixmap, 24 or 32 bits a pixel, TrueColor, 8 bits a channel."""
    fields = XWD_HEADER.unpack_from(data)
    header_size, version, pixmap_format, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line, visual_class = fields[7], fields[11], fields[12], fields[13]
    red_mask, green_mask, blue_mask, colour_count = fields[14], fields[15], fields[16], fields[19]
    if version != 7 or pixmap_format != XWD_ZPIXMAP:
        raise ValueError(f"not a ZPixmap XWD version 7 file ({version=}, {pixmap_format=})")
    if visual_class not in (XWD_TRUE_COLOR, XWD_DIRECT_COLOR) or bits_per_pixel not in (24, 32):
        raise ValueError(f"only 24/32-bit TrueColor is read here, not {visual_class=} {bits_per_pixel=}")
    pixel_bytes = bits_per_pixel // 8
    # byte_order 0 is LSBFirst: a pixel's least significant byte comes first (blue first, on x86).
    offsets = [_channel_offsets(mask, pixel_bytes, byte_order == 0) for mask in (red_mask, green_mask, blue_mask)]
    pixels_at = header_size + colour_count * XWD_COLOR_ENTRY_BYTES
    if len(data) < pixels_at + bytes_per_line * height:
        raise ValueError("the XWD file is truncated")
    rgb = bytearray(width * height * 3)
    for y in range(height):
        line = data[pixels_at + y * bytes_per_line : pixels_at + y * bytes_per_line + width * pixel_bytes]
        out = y * width * 3
        # Strided slices copy one channel of a whole row at once: a 1280×800 screen converts in ~20 ms.
        for channel, offset in enumerate(offsets):
            rgb[out + channel : out + width * 3 : 3] = line[offset::pixel_bytes]
    return Image(width, height, bytes(rgb))


def capture(desktop: Desktop, attempts: int = 5) -> Image:
    """The whole screen of the desktop's Xvfb, now.

    Retried on an X error: with windows of another depth on screen (dunst's and xfce4-notifyd's are 32-bit),
    xwd reads each window separately, and one that closes meanwhile fails the read with BadMatch (measured:
    7 of 60 captures while xfce4-notifyd kept opening and closing notifications).
    """
    error = ""
    for attempt in range(attempts):
        done = subprocess.run(
            ["xwd", "-root", "-silent", "-display", desktop.env["DISPLAY"]],
            env=desktop.env,
            capture_output=True,
            timeout=CAPTURE_TIMEOUT_S,
            check=False,
        )
        if done.returncode == 0:
            return parse_xwd(done.stdout)
        error = done.stderr.decode(errors="replace")
        if "X Error" not in error:
            break
        time.sleep(0.1 * (attempt + 1))
    raise AssertionError(f"xwd failed ({done.returncode}): {error}")


def screenshot(desktop: Desktop, path: Path, box: Box | tuple[int, int, int, int] | None = None) -> Image:
    """Save the desktop's screen (or only `box` of it, clipped to the screen) as a PNG; returns what was saved."""
    image = capture(desktop)
    if box is not None:
        image = image.crop(box)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image.png())
    return image


def _first_difference(a: bytes, b: bytes) -> int:
    """Index of the first byte where two equally long byte strings differ (binary search on equal prefixes)."""
    low, high = 0, len(a)
    while low < high:
        middle = (low + high) // 2
        if a[: middle + 1] == b[: middle + 1]:
            low = middle + 1
        else:
            high = middle
    return low


def changed_box(before: Image, after: Image) -> Box | None:
    """The smallest box holding every pixel that differs between two captures, or None when none does."""
    if (before.width, before.height) != (after.width, after.height):
        raise ValueError("the two captures have different sizes")
    rows = [y for y in range(before.height) if before.row(y) != after.row(y)]
    if not rows:
        return None
    left, right = before.width, 0
    for y in rows:
        old, new = before.row(y), after.row(y)
        left = min(left, _first_difference(old, new) // 3)
        right = max(right, before.width - _first_difference(old[::-1], new[::-1]) // 3)
    return Box(left, rows[0], right, rows[-1] + 1)


def wait_until_still(desktop: Desktop, timeout_s: float = 60.0) -> Image:
    """Poll the screen until two captures 0.3 s apart are equal (say, after a closed banner slid away)."""
    deadline = time.monotonic() + timeout_s
    previous = capture(desktop)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        current = capture(desktop)
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"the screen kept changing for {timeout_s}s")


def wait_for_change(desktop: Desktop, before: Image, timeout_s: float = 30.0, below: int = 0) -> tuple[Image, Box]:
    """Poll the screen until it differs from `before` and has stopped moving (a banner slides or fades in).

    Returns the settled capture and the box that changed. Two equal captures in a row count as settled.
    Rows above `below` are not compared (GNOME's top bar has a clock that may tick meanwhile).
    """
    deadline = time.monotonic() + timeout_s
    previous: Image | None = None
    while time.monotonic() < deadline:
        current = capture(desktop)
        area = Box(0, below, current.width, current.height)
        box = changed_box(before.crop(area), current.crop(area))
        if box is not None:
            box = Box(box.left, box.top + below, box.right, box.bottom + below)
        if box is not None and previous is not None and current == previous:
            return current, box
        previous = current if box is not None else None
        time.sleep(0.2)
    raise AssertionError(f"the screen did not change and settle within {timeout_s}s")
