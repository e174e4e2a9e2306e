"""The desktop harness itself, on each real notification server it can start: dunst, xfce4-notifyd, GNOME Shell.

These prove what other end-to-end tests rely on: the server is the one asked for and answers on a private bus
that can start nothing else, a plain `notify-send` is seen with its title, body and id, and a screenshot shows
the notification. Each server is started once for the module (GNOME takes seconds), and every test closes what
it sent so the next one starts with a clear screen.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import require
from .desktop import NOTIFICATIONS, SCREEN, Desktop, Server, running_desktop, wait_for
from .screenshot import (
    PNG_SIGNATURE,
    Box,
    Image,
    capture,
    changed_box,
    decode_png,
    encode_png,
    parse_xwd,
    screenshot,
    wait_for_change,
    wait_until_still,
)

SERVER_NAMES: dict[Server, str] = {"dunst": "dunst", "xfce": "Xfce Notify Daemon", "gnome": "gnome-shell"}
GNOME = pytest.param("gnome", marks=[pytest.mark.desktop, pytest.mark.slow, pytest.mark.gnome])
ON_SERVERS = [
    pytest.param("dunst", marks=[pytest.mark.desktop, pytest.mark.slow]),
    pytest.param("xfce", marks=[pytest.mark.desktop, pytest.mark.slow]),
    GNOME,
]
CLIENT_PROGRAMS = ("notify-send", "xwd", "xdotool")
GNOME_TOP_BAR_PX = 32
# Set to a folder to keep each server's cropped notification PNG there (e.g. for the README).
SCREENSHOTS_TO = "DMER_TIPS_SCREENSHOTS"


@pytest.fixture(scope="module", params=ON_SERVERS)
def desktop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """One desktop per server for the whole module: GNOME takes a second or more to start, the others ~0.2 s."""
    server: Server = request.param
    missing = [name for name in CLIENT_PROGRAMS if shutil.which(name) is None]
    require(
        not missing, f"desktop test needs {', '.join(missing)} (Debian: apt-get install libnotify-bin x11-apps xdotool)"
    )
    with running_desktop(tmp_path_factory.mktemp(f"desktop-{server}"), server) as running:
        yield running


@pytest.fixture
def clean(desktop: Desktop) -> Iterator[Desktop]:
    """The shared desktop, with whatever a test sent closed afterwards."""
    yield desktop
    desktop.close_all()


def notify_send(desktop: Desktop, title: str, body: str) -> int:
    """Send with libnotify's notify-send, as any desktop program would; returns the id it printed."""
    done = subprocess.run(
        ["notify-send", "--print-id", "--", title, body],
        env={**os.environ, **desktop.env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def unique(word: str) -> str:
    return f"{word} {uuid.uuid4().hex[:6]}"


def test_the_server_asked_for_answers_on_a_private_bus_that_starts_nothing_else(clean: Desktop) -> None:
    """The server names itself as expected, and no other notification server can be activated on the bus."""
    assert clean.server_name == SERVER_NAMES[clean.kind]
    activatable = clean.send(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListActivatableNames"
    )
    assert f'"{NOTIFICATIONS}"' not in activatable, "a Notify with the server down would start another one"


def test_the_server_advertises_actions_and_markup(clean: Desktop) -> None:
    """GetCapabilities lists `actions` (and `body-markup`, which decides whether the app escapes its text)."""
    capabilities = clean.capabilities()
    assert "actions" in capabilities
    assert "body-markup" in capabilities


def test_a_notify_send_is_seen_once_with_its_title_body_and_id(clean: Desktop) -> None:
    """A plain notify-send shows up once in shown(), and replies() has the id the server gave notify-send."""
    before = len(clean.shown())
    title, body = unique("Harness"), "Seen on the bus: <b>bold</b> & more"
    printed_id = notify_send(clean, title, body)
    clean.wait_for_replies(before + 1)
    # Once, even on GNOME, whose front service forwards each call to the shell as a second Notify.
    assert clean.shown()[before:] == [(title, body)]
    assert clean.replies()[before:] == [printed_id]


def test_a_screenshot_shows_the_notification(clean: Desktop, tmp_path: Path) -> None:
    """While a notification is on screen, a PNG of its area is valid and not blank, near the top of the screen."""
    clean.wait_until_idle()  # GNOME keeps the banner of an idle user on screen: steady for the captures
    before = wait_until_still(clean)
    title = unique("On screen")
    notify_send(clean, title, "A screenshot of this should not be blank.")
    after, box = wait_for_change(clean, before, below=GNOME_TOP_BAR_PX if clean.kind == "gnome" else 0)
    assert box.width < SCREEN[0] // 2 and box.height < SCREEN[1] // 3, f"{box} is more than a notification"
    assert box.top < SCREEN[1] // 4, f"{box}: notifications appear near the top of the screen"
    assert after.crop(box).colours() >= 20, "anti-aliased text has many shades; a blank area has one or two"

    area = box.grow(12).within(*SCREEN)
    if clean.kind == "gnome":  # a margin into the top bar would show a sliver of its clock
        area = Box(area.left, max(area.top, GNOME_TOP_BAR_PX), area.right, area.bottom)
    path = tmp_path / f"{clean.kind}.png"
    saved = screenshot(clean, path, box=area)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert decode_png(path.read_bytes()) == saved
    assert (saved.width, saved.height) == (area.width, area.height)
    assert saved.colours() >= 20
    if os.environ.get(SCREENSHOTS_TO):
        Path(os.environ[SCREENSHOTS_TO]).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(os.environ[SCREENSHOTS_TO]) / path.name)


@pytest.mark.parametrize("desktop", [GNOME], indirect=True)
def test_gnome_keeps_a_banner_for_an_idle_user_until_the_pointer_moves(clean: Desktop) -> None:
    """On GNOME a banner shown to an idle user outlasts its 4 s timeout; nudge() lets it go, as activity does."""
    clean.wait_until_idle()
    before = wait_until_still(clean)
    notify_send(clean, unique("Held"), "Until the user moves.")
    shown, box = wait_for_change(clean, before)
    # Below the top bar only: its clock may tick meanwhile.
    banner = Box(box.left, max(box.top, GNOME_TOP_BAR_PX), box.right, box.bottom)
    started = time.monotonic()
    while time.monotonic() - started < 5:  # longer than the 4 s an active user's banner stays
        assert capture(clean).crop(banner) == shown.crop(banner), "the banner left although the user was idle"
        time.sleep(0.5)
    clean.nudge()
    wait_for(lambda: capture(clean).crop(banner) == before.crop(banner), "the banner to leave after activity", 20)


# The converter on its own, with no desktop: byte orders and pixel sizes Xvfb may hand out.


def xwd_file(pixels: list[list[tuple[int, int, int]]], bits_per_pixel: int, msb_first: bool) -> bytes:
    """A minimal XWD file with 8-bit channels (masks 0xff0000/0xff00/0xff), as `xwd` writes for TrueColor."""
    height, width = len(pixels), len(pixels[0])
    pixel_bytes = bits_per_pixel // 8
    bytes_per_line = (width * pixel_bytes + 3) // 4 * 4  # rows padded to 32 bits
    name = b"test\x00"
    colours = 2
    header = struct.pack(
        ">25I",
        *(100 + len(name), 7, 2, 24, width, height, 0, int(msb_first), 32, int(msb_first), 32, bits_per_pixel),
        *(bytes_per_line, 4, 0xFF0000, 0xFF00, 0xFF, 8, 256, colours, width, height, 0, 0, 0),
    )
    rows = b""
    for row in pixels:
        line = b""
        for red, green, blue in row:
            value = (red << 16 | green << 8 | blue).to_bytes(pixel_bytes, "big" if msb_first else "little")
            line += value
        rows += line.ljust(bytes_per_line, b"\xee")
    return header + name + bytes(12 * colours) + rows


@pytest.mark.parametrize(("bits", "msb_first"), [(32, False), (32, True), (24, False), (24, True)])
def test_xwd_pixels_become_the_same_rgb_in_a_png(bits: int, msb_first: bool) -> None:
    """Red stays red whatever the XWD byte order and pixel size; the PNG reads back to the same pixels."""
    pixels = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(1, 2, 3), (250, 251, 252), (0, 0, 0)]]
    image = parse_xwd(xwd_file(pixels, bits, msb_first))
    assert [[image.pixel(x, y) for x in range(3)] for y in range(2)] == pixels
    assert decode_png(encode_png(image)) == image
    assert image.crop(Box(1, 1, 9, 9)) == Image(2, 1, bytes([250, 251, 252, 0, 0, 0]))


def test_png_reading_undoes_every_row_filter_and_rejects_a_bad_crc() -> None:
    """decode_png accepts the rows other encoders write (filters 1–4) and refuses a corrupted chunk."""
    image = Image(2, 2, bytes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]))
    # Row 0 with Sub (1): the second pixel minus the first. Row 1 with Up (2): minus the row above.
    raw = bytes([1, 10, 20, 30, 30, 30, 30, 2, 60, 60, 60, 60, 60, 60])
    png = encode_png(image)
    at = png.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", png, at)
    data = zlib.compress(raw)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    assert decode_png(png[:at] + idat + png[at + 12 + length :]) == image
    with pytest.raises(ValueError, match="bad CRC"):
        decode_png(png[:-5] + b"\x00" + png[-4:])


def test_changed_box_is_the_smallest_box_around_the_differences() -> None:
    """Two captures differing in two pixels give the box spanning exactly those two."""
    before = Image(4, 3, bytes(36))
    pixels = bytearray(36)
    pixels[(0 * 4 + 2) * 3] = 9  # (2, 0)
    pixels[(2 * 4 + 1) * 3 + 2] = 9  # (1, 2)
    assert changed_box(before, Image(4, 3, bytes(pixels))) == Box(1, 0, 3, 3)
    assert changed_box(before, before) is None
