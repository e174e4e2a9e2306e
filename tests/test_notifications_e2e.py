"""How notifications look and behave on real notification servers: dunst, xfce4-notifyd and GNOME Shell.

Each server is started once for the module; each test runs its own `dmer-tips run` in its own home and
reads what crossed the bus (the calls, and the ids the server answered with).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .conftest import ANY_TIME
from .desktop import GNOME, SCREEN, Desktop, running_desktop
from .screenshot import Box, screenshot, wait_for_change, wait_until_still
from .serviceproc import ServiceProcess, cli, wait_until
from .test_service_e2e import FAST_TIPS

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
SCREENSHOTS_TO = "DMER_TIPS_SCREENSHOTS"  # a folder: keep each server's picture of a tip (for the README)
GNOME_TOP_BAR_PX = 32

ONE_TIP = (
    ANY_TIME
    + """\
categories:
  calm:
    title: "Through the wave"
    schedule:
      every: 30m
    tips:
      - id: name-it
        text: "Name it: this is D-MER, a reflex, and it passes. Breathe out slowly."
        source: art
"""
)


@pytest.fixture(scope="module", params=["dunst", "xfce", GNOME])
def desktop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp(f"desktop-{request.param}"), request.param) as running:
        yield running


@pytest.fixture
def service_on(desktop: Desktop) -> Iterator[Callable[[Path], ServiceProcess]]:
    """Start services on the shared desktop (in this test's home); they are stopped and the screen cleared after."""
    started: list[ServiceProcess] = []

    def start(tips: Path) -> ServiceProcess:
        started.append(ServiceProcess(tips, env=desktop.variables))
        return started[-1]

    yield start
    for service in started:
        service.__exit__()
    desktop.close_all()


def strings(call: str) -> list[str]:
    found: list[str] = re.findall(r'^\s+string "(.*)"$', call, re.MULTILINE)
    return found


def replaces_id(call: str) -> int:
    found = re.search(r"uint32 (\d+)", call)
    assert found is not None, call
    return int(found[1])


def test_tips_arrive_as_the_spec_says(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path]
) -> None:
    """Our app name, icon, title, a body escaped for markup, normal urgency, our desktop entry, a 20 s expiry;
    each tip replaces the one before."""
    before = len(desktop.notify_calls())
    service = service_on(write_tips(FAST_TIPS))
    calls = desktop.wait_for_calls(before + 3)[before:]
    ids = desktop.wait_for_replies(before + 3)[before:]
    assert service.stop() == 0
    assert f"Reminders go to the desktop ({desktop.server_name})." in service.output
    for call in calls[:3]:
        app, icon, title, body = strings(call)[:4]
        assert (app, title) == ("D-MER Tips", "Fast & <gentle>") and icon.endswith("icon.png")
        assert body in ("x &lt; y and y &gt; z &amp; it's fine", "-starts with a dash")
        assert re.search(r'string "urgency"\s+variant\s+byte 1', call)
        assert re.search(r'string "desktop-entry"\s+variant\s+string "dmer-tips"', call)
        assert call.rstrip().splitlines()[-1].strip() == "int32 20000"
    assert [replaces_id(call) for call in calls[:3]] == [0, ids[0], ids[1]]


def test_a_restart_replaces_the_last_tip_instead_of_stacking(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path]
) -> None:
    """The id of the tip on screen is kept with the state, so after a restart the next tip replaces it."""
    tips = write_tips(FAST_TIPS)
    first = service_on(tips)
    desktop.wait_for_calls(len(desktop.notify_calls()) + 1)
    assert first.stop() == 0
    count = len(desktop.notify_calls())  # after the stop: no late call of the first run can be counted below
    desktop.wait_for_replies(count)
    ids = json.loads(AppPaths.for_user().state_file.read_text())["notification_ids"]
    (on_screen,) = [shown_as for key, shown_as in ids.items() if key.endswith(" tip")]
    assert on_screen == desktop.replies()[count - 1]
    service_on(tips)
    calls = desktop.wait_for_calls(count + 1)
    assert replaces_id(calls[count]) == on_screen


def test_a_problem_gets_a_warning_icon_and_its_own_place(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path]
) -> None:
    """A broken save shows a warning that the next tips never replace unseen; tips keep the app's icon."""
    tips = write_tips(FAST_TIPS)
    before = len(desktop.notify_calls())
    service_on(tips)
    desktop.wait_for_calls(before + 1)
    tips.write_text(FAST_TIPS.replace("every: 2s", "every: 2"))
    wait_until(lambda: any("dialog-warning" in call for call in desktop.notify_calls()[before:]), what="the warning")
    calls = desktop.wait_for_calls(len(desktop.notify_calls()) + 2)[before:]
    ids = desktop.wait_for_replies(before + len(calls))[before:]
    warnings = [index for index, call in enumerate(calls) if strings(call)[1] == "dialog-warning"]
    assert len(warnings) == 1 and replaces_id(calls[warnings[0]]) == 0
    warning_id = ids[warnings[0]]
    assert all(replaces_id(call) != warning_id for call in calls), "a tip replaced the warning"
    assert "Your reminders go on with the last good tips." in strings(calls[warnings[0]])[3]


@pytest.mark.parametrize("desktop", ["dunst"], indirect=True)
def test_on_a_desktop_the_service_adds_its_application_entry(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path]
) -> None:
    """The entry our notifications name (`dmer-tips.desktop`) is written once, with the icon, and the service says so."""
    entry = AppPaths.for_user().applications_dir / "dmer-tips.desktop"
    service = service_on(write_tips(FAST_TIPS))
    wait_until(entry.exists, what="the application entry")
    assert service.stop() == 0
    again = service_on(write_tips(FAST_TIPS))
    assert again.stop() == 0
    assert "Icon=" in entry.read_text() and "X-GNOME-UsesNotifications=true" in entry.read_text()
    assert service.output.count("Added D-MER Tips to your applications") == 1
    assert "Added D-MER Tips" not in again.output


def test_a_tip_shows_on_screen(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path], tmp_path: Path
) -> None:
    """A tip sent by `dmer-tips tip` appears on screen as a notification (a picture of it is kept for the README)."""
    desktop.wait_until_idle()  # GNOME keeps the banner of an idle user on screen: steady for the capture
    before = wait_until_still(desktop)
    service_on(write_tips(ONE_TIP))
    done = cli("tip", env=desktop.variables)
    assert done.returncode == 0 and done.stdout.startswith("Shown on the desktop: Through the wave: Name it:")
    _, box = wait_for_change(desktop, before, below=GNOME_TOP_BAR_PX if desktop.kind == "gnome" else 0)
    assert box.width < SCREEN[0] // 2 and box.height < SCREEN[1] // 3 and box.top < SCREEN[1] // 4
    area = box.grow(12).within(*SCREEN)
    if desktop.kind == "gnome":  # a margin into the top bar would show a sliver of its clock
        area = Box(area.left, max(area.top, GNOME_TOP_BAR_PX), area.right, area.bottom)
    picture = screenshot(desktop, tmp_path / f"notification-{desktop.kind}.png", box=area)
    assert picture.colours() >= 20, "anti-aliased text has many shades; a blank area has one or two"
    if os.environ.get(SCREENSHOTS_TO):
        Path(os.environ[SCREENSHOTS_TO]).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(
            tmp_path / f"notification-{desktop.kind}.png",
            Path(os.environ[SCREENSHOTS_TO]) / f"notification-{desktop.kind}.png",
        )


@pytest.mark.parametrize("desktop", ["dunst"], indirect=True)
def test_an_id_from_another_login_never_replaces_another_apps_notification(
    desktop: Desktop, service_on: Callable[[Path], ServiceProcess], write_tips: Callable[..., Path]
) -> None:
    """An id kept from another session bus is not reused: the first tip after a new login replaces nothing."""
    from dmer_tips.schedule.state import ServiceState, StateFile

    state = ServiceState.fresh(1)
    state.notification_ids = {"another-bus/:1.9 tip": 1}
    StateFile(AppPaths.for_user().state_file).save(state)
    before = len(desktop.notify_calls())
    service_on(write_tips(FAST_TIPS))
    assert replaces_id(desktop.wait_for_calls(before + 1)[before]) == 0
