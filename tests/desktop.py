"""A real, private desktop for end-to-end tests: Xvfb, private D-Bus buses, a notification server, a D-Bus monitor.

The notification server is one of three real ones, each started here: dunst (the default), xfce4-notifyd, or
GNOME Shell. `Desktop.shown()`, `notify_calls()` and `replies()` read what crossed the bus, so a test reads the
same way whichever server answered.

The private session bus activates only the helper services the chosen server needs (dconf, xfconf, GNOME's
notifications service), never the machine's standard service folders: dunst, xfce4-notifyd and gnome-shell
all install an activation file for `org.freedesktop.Notifications`, so with those folders a `Notify` sent while
no server runs would silently start one of them, and a "server is down" test would test nothing.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import pytest

from .conftest import require

Server = Literal["dunst", "xfce", "gnome"]
SERVERS: tuple[Server, ...] = ("dunst", "xfce", "gnome")
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
SCREEN = (1280, 800)
# Only bounds how long a broken start hangs. Measured on 2 cores: dunst and xfce4-notifyd answer in ~0.1 s, GNOME
# Shell completes its start in ~1.3 s (~2 s beside four CPU hogs); a busy CI machine can be far slower, and a
# test failing on a slow start is worse than a slow test.
START_TIMEOUT_S: dict[Server, float] = {"dunst": 30.0, "xfce": 30.0, "gnome": 90.0}
CALL_TIMEOUT_S = 10.0
# What each server needs activatable on the private session bus (copied from the machine's service folders).
# GNOME Shell as a parameter of a test that runs on several servers: it carries the `gnome` mark.
GNOME = pytest.param("gnome", marks=pytest.mark.gnome)
ACTIVATABLE: dict[Server, tuple[str, ...]] = {
    "dunst": (),
    "xfce": ("org.xfce.Xfconf",),  # xfce4-notifyd's settings
    # dconf so gsettings works; GNOME Shell's own `org.freedesktop.Notifications` lives in a separate gjs
    # service that the shell activates and that forwards every call to the shell.
    "gnome": ("ca.desrt.dconf", "org.gnome.Shell.Notifications"),
}
PROGRAMS: dict[Server, tuple[str, ...]] = {
    "dunst": ("dunst", "dunstctl"),
    "xfce": (),  # xfce4-notifyd is not on PATH: see xfce4_notifyd()
    "gnome": ("gnome-shell", "gjs", "gsettings"),
}
BASE_PROGRAMS = ("Xvfb", "dbus-daemon", "dbus-monitor", "dbus-send")
APT: dict[Server, str] = {
    "dunst": "xvfb dbus dunst libnotify-bin",
    "xfce": "xvfb dbus xfce4-notifyd libnotify-bin",
    "gnome": "xvfb dbus gnome-shell gjs gnome-session-bin libglib2.0-bin libnotify-bin",
}
# Variables of the developer's own session that must never leak into the private one.
FOREIGN = ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE")
# Where `nudge()` moves the pointer: empty background on every server (never a hot corner, a banner or GNOME's
# overview buttons, whose hover highlight would change the screen a test compares).
NUDGE_POINTS = ((40, 400), (41, 401))
# What gnome-shell logs (to stderr, with no journal to take it) when its start-up completes.
GNOME_STARTED = "GNOME Shell started at"
HEADER = re.compile(r"^(method call|method return|signal|error) time=\d+\.\d+ sender=", re.MULTILINE)


def xfce4_notifyd() -> str | None:
    """xfce4-notifyd lives in a multiarch libexec folder, not on PATH."""
    for pattern in ("/usr/lib/*/xfce4/notifyd/xfce4-notifyd", "/usr/lib/xfce4/notifyd/xfce4-notifyd"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def _service_file(name: str) -> Path | None:
    """The machine's D-Bus activation file for `name`, from the standard session service folders."""
    data_dirs = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    for folder in data_dirs.split(":"):
        candidate = Path(folder) / "dbus-1" / "services" / f"{name}.service"
        if candidate.is_file():
            return candidate
    return None


def require_desktop_programs(server: Server = "dunst") -> None:
    """Skip (or, where CI demands every test, fail) when the desktop programs for `server` are missing."""
    missing = [name for name in (*BASE_PROGRAMS, *PROGRAMS[server]) if shutil.which(name) is None]
    if server == "xfce" and xfce4_notifyd() is None:
        missing.append("xfce4-notifyd")
    missing += [f"{name}.service" for name in ACTIVATABLE[server] if _service_file(name) is None]
    require(not missing, f"desktop test needs {', '.join(missing)} (Debian: apt-get install {APT[server]})")


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30.0, interval_s: float = 0.05) -> float:
    """Poll until `condition()` holds; returns the seconds it took, or fails saying what never happened."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)
    return time.monotonic() - started


@dataclass(frozen=True)
class Message:
    """One message as dbus-monitor printed it: its kind, the header's fields, and the argument lines."""

    kind: str  # "method call", "method return", "signal" or "error"
    fields: dict[str, str]
    header: str
    body: str

    @property
    def complete(self) -> bool:
        """False while dbus-monitor may still be writing it (a Notify ends with its int32 expire_timeout)."""
        if self.kind == "method call" and self.fields.get("member") == "Notify":
            return re.search(r"^ {3}int32 -?\d+$", self.body.rstrip("\n").rsplit("\n", 1)[-1]) is not None
        return self.body.endswith("\n") or not self.body


def parse_monitor_log(text: str) -> list[Message]:
    """Split dbus-monitor's text output into messages (a string argument may itself span lines)."""
    matches = list(HEADER.finditer(text))
    ends = [match.start() for match in matches[1:]] + [len(text)]
    messages = []
    for match, end in zip(matches, ends, strict=True):
        header, _, body = text[match.start() : end].partition("\n")
        fields = dict(re.findall(r"(\w+)=([^\s;]+)", header[len(match[1]) :]))
        messages.append(Message(match[1], fields, header, body))
    return messages


@dataclass
class Desktop:
    """A running private desktop: how to reach it, its notification server, and what crossed its bus."""

    env: dict[str, str]
    """For the programs under test: the caller's environment, pointed at this desktop's display and buses."""
    monitor_log: Path
    stack: ExitStack
    server: subprocess.Popen[bytes] | None = None
    kind: Server = "dunst"
    session_env: dict[str, str] = field(default_factory=dict)
    """For the desktop's own programs (servers, gsettings, xfconf-query): like `env`, with the desktop's own
    HOME and XDG folders inside tmp_path, so a desktop shared by a module never writes into a real home."""
    log_dir: Path = Path()
    server_name: str = ""
    """The name the server gives in GetServerInformation: "dunst", "Xfce Notify Daemon", "gnome-shell"."""
    ready_s: float = 0.0
    """Seconds from starting the server until it answered GetServerInformation (GNOME: until its start-up
    completed), for the last start."""
    _nudges: int = 0

    @property
    def variables(self) -> dict[str, str]:
        """Only what points a program at this desktop (display, buses, desktop name): to add to an environment
        of the caller's own, e.g. a test's private HOME, when the desktop was started before it."""
        names = (
            "DISPLAY",
            "DBUS_SESSION_BUS_ADDRESS",
            "DBUS_SYSTEM_BUS_ADDRESS",
            "XDG_CURRENT_DESKTOP",
            "XDG_SESSION_TYPE",
        )
        return {name: self.env[name] for name in names if name in self.env}

    def start_server(self) -> None:
        """Start the notification server and wait until it answers on the bus (GNOME: with a quiet screen)."""
        log = self.log_dir / f"{self.kind}.log"
        if self.kind == "gnome":
            self._before_gnome_starts()
        log_start = log.stat().st_size if log.exists() else 0  # a restart appends to the same log
        with open(log, "ab") as sink:
            self.server = _start(self.stack, self._server_command(), env=self.session_env, stdout=sink, stderr=sink)
        started = time.monotonic()
        deadline = started + START_TIMEOUT_S[self.kind]

        def failed(status: str) -> AssertionError:
            tail = log.read_text(errors="replace")[-3000:]
            return AssertionError(f"{self.kind} {status} within {START_TIMEOUT_S[self.kind]}s; its log:\n{tail}")

        while True:
            try:
                # GNOME's gjs service owns the name within a second but forwards every call to the shell:
                # only an answer proves the server itself is up.
                self.server_name = self.server_information()[0]
                break
            except AssertionError:
                if self.server.poll() is not None:
                    raise failed("exited") from None
                if time.monotonic() > deadline:
                    raise failed("did not answer on the private bus") from None
                time.sleep(0.1)
        if self.kind == "dunst":
            # dunstctl talks to dunst's own interface; be sure it is there too before a test uses it.
            wait_for(lambda: self._dunstctl_ok("count"), "dunstctl to answer", timeout_s=10)
        if self.kind == "gnome":
            # The shell logs this first thing when its start-up completes, in the same main-loop turn as it posts
            # its own notices: any settings change reaches it only after they are posted (without a banner).
            while GNOME_STARTED.encode() not in log.read_bytes()[log_start:]:
                if self.server.poll() is not None:
                    raise failed("exited")
                if time.monotonic() > deadline:
                    raise failed(f"did not log {GNOME_STARTED!r}")
                time.sleep(0.1)
            self.session_run("gsettings", "reset", "org.gnome.desktop.notifications", "show-banners")
        self.ready_s = time.monotonic() - started

    def _before_gnome_starts(self) -> None:
        """Keep GNOME's own start-up notices off the screen, so a test's banner is never queued behind one.

        Started as root, the shell always posts "Logged in as a privileged user"; in a new home also "Screen Lock
        disabled"; as another user maybe a welcome dialog. A banner shown to an idle user stays until activity,
        and the next banner waits behind it. So: banners off until start-up completes (the notices then go
        straight to the message list), the lock notice's marker file in place, the welcome dialog seen.
        """
        marker = Path(self.session_env["XDG_DATA_HOME"]) / "gnome-shell" / "lock-warning-shown"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        self.session_run("gsettings", "set", "org.gnome.shell", "welcome-dialog-last-shown-version", "'999'")
        self.session_run("gsettings", "set", "org.gnome.desktop.notifications", "show-banners", "false")

    def _server_command(self) -> list[str]:
        if self.kind == "xfce":
            return [xfce4_notifyd() or "xfce4-notifyd"]
        if self.kind == "gnome":
            # X11 (not --headless Wayland, which queues our banner behind its own notice); -r replaces any window
            # manager, --sm-disable skips the session manager we do not run.
            return ["gnome-shell", "--x11", "-r", "--sm-disable"]
        return ["dunst", "-config", str(self._dunst_config())]

    def _dunst_config(self) -> Path:
        """dunst's context menu runs its `dmenu` program with the actions on stdin and takes the chosen line from
        stdout: our stand-in chooses the line with the label `press` asked for."""
        chooser = self.log_dir / "choose-action"
        chooser.write_text(
            f'#!/bin/sh\nwanted=$(cat "{self.log_dir / "wanted-action"}")\ngrep -F -m1 -- "#$wanted " || true\n'
        )
        chooser.chmod(0o755)
        # The packaged settings (markup, history, timeouts), with only the menu program replaced.
        packaged = Path("/etc/xdg/dunst/dunstrc")
        text = packaged.read_text() if packaged.exists() else "[global]\n    dmenu = /usr/bin/dmenu\n"
        config = self.log_dir / "dunstrc"
        config.write_text(re.sub(r"(?m)^(\s*)dmenu\s*=.*$", lambda m: f"{m[1]}dmenu = {chooser}", text))
        return config

    def crash_server(self) -> None:
        assert self.server is not None
        _kill_group(self.server, signal.SIGKILL)
        self.server.wait()

    # Talking to the server ------------------------------------------------------------------------------------

    def send(self, destination: str, path: str, method: str, *args: str) -> str:
        """One D-Bus method call on the private session bus with dbus-send (`args` in its TYPE:VALUE form)."""
        done = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                f"--reply-timeout={int(CALL_TIMEOUT_S * 1000)}",
                f"--dest={destination}",
                path,
                method,
                *args,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT_S + 5,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"{method} failed: {done.stderr.strip()}")
        return done.stdout

    def call(self, method: str, *args: str, destination: str = NOTIFICATIONS) -> str:
        """Call `org.freedesktop.Notifications.<method>` on the server; returns dbus-send's printed reply."""
        return self.send(destination, NOTIFICATIONS_PATH, f"{NOTIFICATIONS}.{method}", *args)

    def server_information(self) -> tuple[str, str, str, str]:
        """GetServerInformation: (name, vendor, version, spec_version)."""
        name, vendor, version, spec = re.findall(r'^\s+string "(.*)"$', self.call("GetServerInformation"), re.M)
        return name, vendor, version, spec

    def capabilities(self) -> list[str]:
        """GetCapabilities, as the server lists them."""
        return re.findall(r'^\s+string "(.*)"$', self.call("GetCapabilities"), re.MULTILINE)

    def close(self, notification_id: int) -> None:
        """Take a notification off the screen (CloseNotification), whoever sent it.

        GNOME's front service refuses to close another client's notification, so this goes straight to the
        shell, which is what that service forwards to.
        """
        destination = "org.gnome.Shell" if self.kind == "gnome" else NOTIFICATIONS
        self.call("CloseNotification", f"uint32:{notification_id}", destination=destination)

    def close_all(self, timeout_s: float = 30.0) -> None:
        """Close every notification still open, and wait until the server says each one is closed.

        So the next test starts with a clear screen: on a shared desktop, GNOME would otherwise queue the next
        banner behind one it keeps for an idle user.
        """
        open_ids = {i for i in self.replies() if i is not None} - set(self.closed())
        for notification_id in sorted(open_ids):
            # It may expire in the meantime (then closing fails); the wait below proves it is gone either way.
            with suppress(AssertionError):
                self.close(notification_id)
        wait_for(lambda: open_ids <= set(self.closed()), f"notifications {sorted(open_ids)} to close", timeout_s)

    def nudge(self) -> None:
        """Move the pointer a pixel, as a present user would (the X server counts it as activity).

        GNOME keeps a banner on screen while the user is idle and only starts its 4 s timeout after activity.
        """
        x, y = NUDGE_POINTS[self._nudges % len(NUDGE_POINTS)]
        self._nudges += 1
        self.session_run("xdotool", "mousemove", str(x), str(y))

    def idle_ms(self) -> int:
        """How long GNOME counts the user as idle, in ms (Mutter's idle monitor; GNOME only)."""
        assert self.kind == "gnome", f"the idle monitor is GNOME's, this desktop runs {self.kind}"
        reply = self.send(
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor.GetIdletime",
        )
        return int(reply.split()[-1])

    def wait_until_idle(self, seconds: float = 1.5) -> None:
        """On GNOME, wait until the user has been idle for `seconds`; other servers do not care.

        GNOME shows a banner either way, but one shown to an idle user (idle over 1 s) stays until activity,
        while one shown to an active user goes after 4 s: a test that looks at the screen wants the first.
        """
        if self.kind == "gnome":
            wait_for(lambda: self.idle_ms() >= seconds * 1000, f"GNOME to count the user idle for {seconds}s")

    def session_run(self, *argv: str) -> str:
        """Run one of the desktop's own tools (gsettings, xfconf-query, xdotool) in the desktop's session."""
        return subprocess.run(
            argv, env=self.session_env, capture_output=True, text=True, check=True, timeout=CALL_TIMEOUT_S
        ).stdout

    def start_system_bus(self) -> None:
        """A private system bus for this desktop (GNOME has one from the start), for a test's own logind."""
        if "DBUS_SYSTEM_BUS_ADDRESS" not in self.env:
            config = self.log_dir / "system-bus.conf"
            config.write_text(_bus_config("system", None))
            address = _start_bus(self.stack, config, self.env)
            self.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.session_env["DBUS_SYSTEM_BUS_ADDRESS"] = address

    def do_not_disturb(self, on: bool) -> None:
        """Turn the server's do-not-disturb on or off, the way its own settings do."""
        if self.kind == "dunst":
            self.dunstctl("set-paused", "true" if on else "false")
        elif self.kind == "xfce":
            value = "true" if on else "false"
            self.session_run(
                "xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb", "-n", "-t", "bool", "-s", value
            )
        else:
            key, banners = ("org.gnome.desktop.notifications", "show-banners"), "false" if on else "true"
            self.session_run("gsettings", "set", *key, banners)
            # dconf answers the change at once and writes its file just after: another process (the service)
            # reads the new value only then.
            wait_for(lambda: self.session_run("gsettings", "get", *key).strip() == banners, "dconf to write")

    # dunst only -----------------------------------------------------------------------------------------------

    def _dunstctl_ok(self, *args: str) -> bool:
        done = subprocess.run(["dunstctl", *args], env=self.env, capture_output=True, timeout=CALL_TIMEOUT_S)
        return done.returncode == 0

    def dunstctl(self, *args: str) -> str:
        assert self.kind == "dunst", f"dunstctl needs dunst, this desktop runs {self.kind}"
        return subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, check=True, timeout=CALL_TIMEOUT_S
        ).stdout

    def history(self) -> list[dict[str, object]]:
        """Every notification dunst has closed, newest first, as plain values."""
        self.dunstctl("close-all")
        raw = json.loads(self.dunstctl("history"))
        return [{key: entry["data"] for key, entry in item.items()} for item in raw["data"][0]]

    def displayed(self) -> int:
        return int(self.dunstctl("count", "displayed").strip())

    def press(self, label: str) -> None:
        """Press the button labelled `label` on a notification on screen, through dunst's own context menu."""
        (self.log_dir / "wanted-action").write_text(label)
        self.dunstctl("context")

    def click(self) -> None:
        """Click the topmost notification: dunst invokes its default action."""
        self.dunstctl("action", "0")

    # What crossed the bus (any server) ------------------------------------------------------------------------

    def messages(self) -> list[Message]:
        """Every complete message the monitor has seen so far, oldest first."""
        return [m for m in parse_monitor_log(self.monitor_log.read_text(errors="replace")) if m.complete]

    def _notify_messages(self) -> list[Message]:
        # Only calls to the notification server: to its well-known name, or (as libnotify's notify-send does) to
        # the unique name of a connection that owned it. GNOME's front service forwards each call to the shell
        # as a second Notify, to a name that never owned org.freedesktop.Notifications: it must not count twice.
        messages = self.messages()
        servers = {NOTIFICATIONS}
        for m in messages:
            if m.kind == "signal" and m.fields.get("member") == "NameOwnerChanged":
                name, _old, new = re.findall(r'^ {3}string "(.*)"$', m.body, re.MULTILINE)
                if name == NOTIFICATIONS and new:
                    servers.add(new)
        return [
            m
            for m in messages
            if m.kind == "method call" and m.fields.get("member") == "Notify" and m.fields.get("destination") in servers
        ]

    def notify_calls(self) -> list[str]:
        """The raw `Notify` method calls seen on the bus, one text block each (header fields, then arguments)."""
        return [m.header[len("method call ") :] + "\n" + m.body for m in self._notify_messages()]

    def shown(self) -> list[tuple[str, str]]:
        """(title, body) of every `Notify` call so far, oldest first."""
        found = []
        for call in self._notify_messages():
            # The top-level strings, in order: app_name, app_icon, summary, body (actions are nested deeper).
            strings = re.findall(r'^ {3}string "(.*?)"$', call.body, re.MULTILINE | re.DOTALL)
            found.append((strings[2], strings[3]))
        return found

    def replies(self) -> list[int | None]:
        """The id the server returned for each `Notify` call, in the order of `notify_calls()`.

        None while a call awaits its answer, or when the server answered with an error.
        """
        messages = self.messages()
        answers: dict[tuple[str, str], int | None] = {}
        for m in messages:
            if m.kind in ("method return", "error") and "reply_serial" in m.fields:
                found = re.search(r"^ {3}uint32 (\d+)$", m.body, re.MULTILINE)
                key = (m.fields.get("destination", ""), m.fields["reply_serial"])
                answers[key] = int(found[1]) if found and m.kind == "method return" else None
        return [answers.get((m.fields.get("sender", ""), m.fields.get("serial", ""))) for m in self._notify_messages()]

    def closed(self) -> dict[int, int]:
        """Every NotificationClosed signal so far: notification id → reason (1 expired, 2 dismissed, 3 closed)."""
        found = {}
        for m in self.messages():
            if m.kind == "signal" and m.fields.get("member") == "NotificationClosed":
                numbers = re.findall(r"^ {3}uint32 (\d+)$", m.body, re.MULTILINE)
                if len(numbers) == 2:  # (id, reason); fewer while the monitor is still writing it
                    found[int(numbers[0])] = int(numbers[1])
        return found

    def wait_for_calls(self, count: int, timeout_s: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            calls = self.notify_calls()
            if len(calls) >= count:
                return calls
            time.sleep(0.1)
        raise AssertionError(f"the notification server saw {len(self.notify_calls())} Notify calls, expected {count}")

    def wait_for_replies(self, count: int, timeout_s: float = 30.0) -> list[int]:
        """Wait until the first `count` Notify calls have their ids back; returns those ids."""

        def answered() -> bool:
            replies = self.replies()
            return len(replies) >= count and all(r is not None for r in replies[:count])

        wait_for(answered, f"the server's answers to {count} Notify calls", timeout_s=timeout_s)
        return [r for r in self.replies()[:count] if r is not None]


def _read_line_from(fd: int, timeout_s: float = 10.0) -> str:
    deadline = time.monotonic() + timeout_s
    data = b""
    os.set_blocking(fd, False)
    while not data.endswith(b"\n") and time.monotonic() < deadline:
        try:
            data += os.read(fd, 256)
        except BlockingIOError:
            time.sleep(0.02)
    return data.decode().strip()


def _kill_group(process: subprocess.Popen[bytes], signal_number: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal_number)


def _start(stack: ExitStack, command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Start `command` in a process group of its own and end the whole group when `stack` closes.

    The group matters: a bus daemon's activated services (dconf, xfconfd, GNOME's gjs service) and anything
    gnome-shell spawns are in it, so none of them outlives the test.
    """
    process: subprocess.Popen[bytes] = subprocess.Popen(command, start_new_session=True, **kwargs)  # type: ignore[call-overload]

    def end() -> None:
        _kill_group(process, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        # SIGKILL the group even when its leader ended: a service it started may still be there.
        _kill_group(process, signal.SIGKILL)
        process.wait()

    stack.callback(end)
    return process


def _bus_config(kind: Literal["session", "system"], service_dir: Path | None) -> str:
    """A bus that listens on an abstract socket, lets everyone do anything, and activates only `service_dir`."""
    servicedir = f"  <servicedir>{escape(str(service_dir))}</servicedir>\n" if service_dir else ""
    return (
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
        "<busconfig>\n"
        f"  <type>{kind}</type>\n"
        "  <listen>unix:tmpdir=/tmp</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        f"{servicedir}"
        '  <policy context="default">\n'
        '    <allow send_destination="*" eavesdrop="true"/>\n'
        '    <allow eavesdrop="true"/>\n'
        '    <allow own="*"/>\n'
        "  </policy>\n"
        "</busconfig>\n"
    )


def _start_bus(stack: ExitStack, config: Path, env: dict[str, str]) -> str:
    """Start a private dbus-daemon from `config`; returns its address."""
    read_fd, write_fd = os.pipe()
    _start(
        stack,
        ["dbus-daemon", f"--config-file={config}", "--nofork", f"--print-address={write_fd}"],
        pass_fds=(write_fd,),
        env=env,
        stderr=subprocess.DEVNULL,  # it reports each activation; the servers' own logs say more
    )
    os.close(write_fd)
    address = _read_line_from(read_fd)
    os.close(read_fd)
    if not address:
        raise AssertionError(f"dbus-daemon did not start with {config}")
    return address


def _private_folders(stack: ExitStack, tmp_path: Path) -> dict[str, str]:
    """HOME and XDG folders for the desktop's own programs (the runtime folder short, for socket paths)."""
    home = tmp_path / "desktop-home"
    folders = {"HOME": str(home)}
    for variable, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        folders[variable] = str(home / sub)
    runtime = tempfile.mkdtemp(prefix="dtd-")
    os.chmod(runtime, 0o700)
    stack.callback(shutil.rmtree, runtime, ignore_errors=True)
    folders["XDG_RUNTIME_DIR"] = runtime
    return folders


@contextmanager
def running_desktop(tmp_path: Path, server: Server = "dunst") -> Iterator[Desktop]:
    """A private X display and session bus with `server` owning org.freedesktop.Notifications; all torn down after."""
    require_desktop_programs(server)
    with ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
        read_fd, write_fd = os.pipe()
        width, height = SCREEN
        _start(
            stack,
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        env["DISPLAY"] = ":" + _read_line_from(read_fd)
        os.close(read_fd)
        if env["DISPLAY"] == ":":
            raise AssertionError("Xvfb did not start")
        if server == "xfce":
            env["XDG_CURRENT_DESKTOP"] = "XFCE"
        if server == "gnome":
            env.update(XDG_SESSION_TYPE="x11", XDG_CURRENT_DESKTOP="GNOME")
            # GNOME Shell needs a system bus (logind and friends); a private one keeps it off the machine's.
            system_conf = tmp_path / "system-bus.conf"
            system_conf.write_text(_bus_config("system", None))
            env["DBUS_SYSTEM_BUS_ADDRESS"] = _start_bus(stack, system_conf, env)
        # The desktop's own programs get their own home; NO_AT_BRIDGE spares GTK a search for an accessibility bus.
        session_env = {**env, **_private_folders(stack, tmp_path), "NO_AT_BRIDGE": "1"}
        service_dir = tmp_path / "dbus-services"
        service_dir.mkdir(exist_ok=True)
        for name in ACTIVATABLE[server]:
            found = _service_file(name)
            assert found is not None  # require_desktop_programs checked
            shutil.copyfile(found, service_dir / found.name)
        session_conf = tmp_path / "session-bus.conf"
        session_conf.write_text(_bus_config("session", service_dir))
        # Activated services inherit the bus daemon's environment: start it with the desktop's own.
        env["DBUS_SESSION_BUS_ADDRESS"] = _start_bus(stack, session_conf, session_env)
        session_env["DBUS_SESSION_BUS_ADDRESS"] = env["DBUS_SESSION_BUS_ADDRESS"]
        monitor_log = tmp_path / "dbus-monitor.log"
        with open(monitor_log, "wb") as sink:
            _start(
                stack,
                [
                    "dbus-monitor",
                    "--session",
                    f"interface='{NOTIFICATIONS}'",
                    # Answers, to tie each Notify to the id it got (a rule's sender may be the well-known name).
                    f"type='method_return',sender='{NOTIFICATIONS}'",
                    f"type='error',sender='{NOTIFICATIONS}'",
                    # Who owns the name, to tell calls to the server from calls it forwards (see notify_calls).
                    f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{NOTIFICATIONS}'",
                ],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        # The monitor prints its own NameAcquired/NameLost first: once there is output, it is listening.
        wait_for(lambda: monitor_log.stat().st_size > 0, "dbus-monitor to start", timeout_s=10)
        desktop = Desktop(env, monitor_log, stack, kind=server, session_env=session_env, log_dir=tmp_path)
        desktop.start_server()
        yield desktop
