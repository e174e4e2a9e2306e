"""dmer-tips benchmarks: every figure as a ratio against a baseline measured in the same run.

Run from a checkout with the package installed (see the README):
    .venv/bin/python benchmarks/run.py            # everything (about 5 minutes)
    .venv/bin/python benchmarks/run.py --quick    # shorter idle window and fewer repeats
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from banks import generated_bank  # noqa: E402

from tests.editors import SAVE_STYLES  # noqa: E402

PYTHON = sys.executable


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else float("nan")

    def line(self) -> str:
        verdict = (
            ""
            if self.target is None
            else (f"  target ≤ {self.target:g}×  {'OK' if self.ratio <= self.target else 'OVER'}")
        )
        return f"  {self.name:<44} {self.value:>9.3f} {self.unit:<4} {self.ratio:>6.2f}× {self.baseline}{verdict}"


# --- helpers ----------------------------------------------------------------------------------------


def private_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "DMER_TIPS_FILE")}
    runtime = Path(tempfile.mkdtemp(prefix="dtb-"))
    runtime.chmod(0o700)
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_STATE_HOME=str(root / "state"),
        XDG_RUNTIME_DIR=str(runtime),
    )
    return env


def dmer(*argv: str) -> list[str]:
    return [PYTHON, "-m", "dmer_tips", *argv]


def wall_medians(commands: dict[str, list[str]], env: dict[str, str], repeats: int) -> dict[str, float]:
    """Median wall time of each command, run in turns so that the machine's drift hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            started_at = time.perf_counter()
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started_at)
    return {name: statistics.median(runs) for name, runs in times.items()}


@contextmanager
def started(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_status(env: dict[str, str], timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while subprocess.run(dmer("status"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not come up")
        time.sleep(0.1)


# --- idle footprint -----------------------------------------------------------------------------------


def footprint(pid: int) -> tuple[float, float, int, int]:
    """RSS and PSS in MB, thread count, and context switches summed over all threads."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    fields = {line.split(":")[0]: line.split()[1] for line in rollup.splitlines() if ":" in line and line.split()[1:]}
    switches = 0
    tasks = list(Path(f"/proc/{pid}/task").iterdir())
    for task in tasks:
        for line in (task / "status").read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    return int(fields["Rss"]) / 1024, int(fields["Pss"]) / 1024, len(tasks), switches


BARE_APSCHEDULER = """
from datetime import datetime, timedelta
from apscheduler.schedulers.blocking import BlockingScheduler
s = BlockingScheduler()
s.add_job(print, "date", run_date=datetime.now() + timedelta(hours=1))
s.start()
"""


# What any version of the service must hold: the CLI parser, JSON, the parsed bundled bank and the
# rotation, but no file watcher, control channel, log file or notification client.
FLOOR = (
    """
import argparse, json
from dmer_tips.paths import bundled_tips_path
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import StateFile
from dmer_tips.bank.load import parse_tip_bank
bank = parse_tip_bank(bundled_tips_path().read_bytes(), "tips.yaml")
"""
    + BARE_APSCHEDULER
)


@contextmanager
def desktop_bus(env: dict[str, str]) -> Iterator[dict[str, str] | None]:
    """A private session bus with the tests' screensaver, idle monitor and notification stand-in on it, so the
    service holds a bus connection with every presence signal subscribed (None without dbus-daemon)."""
    if shutil.which("dbus-daemon") is None:
        yield None
        return
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert bus.stdout is not None
    with_bus = {**env, "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip()}
    desk = subprocess.Popen(
        [PYTHON, str(HERE.parent / "tests" / "screensaver.py"), "--notifications"],
        env=with_bus,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert desk.stdout is not None and desk.stdout.readline().strip() == "ready"
        yield with_bus
    finally:
        for process in (desk, bus):
            process.kill()
            process.wait()


def idle(seconds: float) -> list[Figure]:
    with tempfile.TemporaryDirectory() as root, desktop_bus(private_env(Path(root) / "bus")) as bus_env:
        env = private_env(Path(root))
        commands = {
            "python sleep": ([PYTHON, "-c", "import time; time.sleep(1e6)"], env),
            "bare APScheduler": ([PYTHON, "-c", BARE_APSCHEDULER], env),
            "floor": ([PYTHON, "-c", FLOOR], env),
            "dmer-tips run": (dmer("run"), env),
        }
        if bus_env is not None:
            commands["dmer-tips run on a desktop bus"] = (
                dmer("run"),
                {**private_env(Path(root) / "b"), **_bus_of(bus_env)},
            )
        processes = {
            name: subprocess.Popen(cmd, env=cmd_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, (cmd, cmd_env) in commands.items()
        }
        try:
            for name, (_, cmd_env) in commands.items():
                if name.startswith("dmer-tips"):
                    wait_for_status(cmd_env)
            time.sleep(2)  # let start-up settle before the idle window
            before = {name: footprint(p.pid) for name, p in processes.items()}
            time.sleep(seconds)
            after = {name: footprint(p.pid) for name, p in processes.items()}
        finally:
            for process in processes.values():
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=10)
    per_minute = {name: (after[name][3] - before[name][3]) * 60 / seconds for name in commands}
    ours, aps, bare, floor = (after[name] for name in ("dmer-tips run", "bare APScheduler", "python sleep", "floor"))
    baselines = f"vs python sleep {per_minute['python sleep']:.2f}, APScheduler {per_minute['bare APScheduler']:.2f}; target 0/min"
    figures = [
        Figure("idle RSS", ours[0], "MB", f"vs bare APScheduler {aps[0]:.1f} MB", aps[0], 1.25),
        Figure("idle RSS", ours[0], "MB", f"vs python sleep {bare[0]:.1f} MB", bare[0]),
        Figure(
            "idle RSS of the floor (bank, rotation, CLI)",
            floor[0],
            "MB",
            f"vs bare APScheduler {aps[0]:.1f} MB",
            aps[0],
        ),
        Figure("idle PSS", ours[1], "MB", f"vs bare APScheduler {aps[1]:.1f} MB", aps[1]),
        Figure("threads", ours[2], "", f"vs bare APScheduler {aps[2]}", aps[2]),
        Figure(
            f"wake-ups per minute (idle {seconds:g}s)",
            per_minute["dmer-tips run"],
            "/min",
            baselines,
            max(per_minute["bare APScheduler"], 1.0),
        ),
    ]
    on_bus = after.get("dmer-tips run on a desktop bus")
    if on_bus is None:
        print("  (no dbus-daemon here: the figures on a desktop bus are left out)")
        return figures
    return [
        *figures,
        # Informational: the target above is for the same setting as the "today" (no bus); the bus
        # connection (jeepney and its subscriptions) is what a desktop session adds.
        Figure("idle RSS on a desktop bus", on_bus[0], "MB", f"vs bare APScheduler {aps[0]:.1f} MB", aps[0]),
        Figure("threads on a desktop bus", on_bus[2], "", f"vs bare APScheduler {aps[2]}", aps[2]),
        Figure(
            "wake-ups per minute on a desktop bus",
            per_minute["dmer-tips run on a desktop bus"],
            "/min",
            baselines,
            max(per_minute["bare APScheduler"], 1.0),
        ),
    ]


def _bus_of(env: dict[str, str]) -> dict[str, str]:
    return {"DBUS_SESSION_BUS_ADDRESS": env["DBUS_SESSION_BUS_ADDRESS"]}


# --- clock steps -----------------------------------------------------------------------------------------


def clock_steps(repeats: int) -> list[Figure]:
    """From a wall-clock jump (a faked suspend, announced by the kernel as a real one is) to the service
    re-planning, as its log says; needs root and libfaketime."""
    from datetime import datetime, timedelta, timezone

    from tests.fakeclock import FakeWallClock, usable_faketime

    library, why_not = usable_faketime()
    if library is None:
        print(f"  (left out: {why_not})")
        return []
    with tempfile.TemporaryDirectory() as root:
        clock = FakeWallClock(Path(root), datetime.now(timezone.utc))
        env = {**private_env(Path(root)), **clock.env}
        log = Path(root) / "state" / "dmer-tips" / "log" / "dmer-tips.log"
        noticed: list[float] = []
        with started(dmer("run"), env):
            wait_for_status(env)
            for _ in range(repeats):
                seen = log.read_text().count("further than the time that passed")
                began = time.perf_counter()
                clock.jump(timedelta(minutes=30))
                while log.read_text().count("further than the time that passed") == seen:
                    if time.perf_counter() - began > 10:
                        raise RuntimeError("the service did not notice the clock step")
                    time.sleep(0.002)
                noticed.append(time.perf_counter() - began)
    noticed.sort()
    return [
        Figure("clock step → noticed, median", statistics.median(noticed) * 1000, "ms", "vs 1 s target", 1000.0, 1.0),
        Figure("clock step → noticed, slowest", noticed[-1] * 1000, "ms", "vs 1 s target", 1000.0, 1.0),
    ]


# --- CLI start-up ---------------------------------------------------------------------------------------


def startup(repeats: int) -> list[Figure]:
    with tempfile.TemporaryDirectory() as root:
        env = private_env(Path(root))
        script = shutil.which("dmer-tips", path=str(Path(PYTHON).parent)) or "dmer-tips"
        with started(dmer("run"), env):
            wait_for_status(env)
            medians = wall_medians(
                {
                    "python -c pass": [PYTHON, "-c", "pass"],
                    "dmer-tips --version": [script, "--version"],
                    "dmer-tips status (service running)": [script, "status"],
                    "dmer-tips check (bundled bank)": [script, "check"],
                },
                env,
                repeats,
            )
        many = Path(root) / "200-categories.yaml"
        many.write_text(generated_bank(1000, per_category=5))
        preview = [script, "preview", "--days", "365", "--seed", "1"]
        year = wall_medians(
            {"bundled": preview, "200 categories": [*preview, "--tips", str(many)]}, env, max(3, repeats // 3)
        )
    base = medians.pop("python -c pass") * 1000
    targets = {"dmer-tips --version": 3.0, "dmer-tips status (service running)": 3.0}
    figures = [
        Figure(name, value * 1000, "ms", f"vs python -c pass {base:.1f} ms", base, targets.get(name))
        for name, value in medians.items()
    ]
    for bank, seconds in year.items():
        name = f"dmer-tips preview --days 365 ({bank})"
        figures.append(Figure(name, seconds * 1000, "ms", "vs 1 s target", 1000.0, 1.0))
    return figures


# --- stopping --------------------------------------------------------------------------------------------


def stopping(repeats: int) -> list[Figure]:
    """SIGTERM to exit: the service (state saved, files removed) against a process that simply dies."""
    with tempfile.TemporaryDirectory() as root:
        env = private_env(Path(root))
        ours, bare = [], []
        for _ in range(repeats):
            for command, times in ((dmer("run"), ours), ([PYTHON, "-c", "import time; time.sleep(1e6)"], bare)):
                process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if times is ours:
                    wait_for_status(env)
                else:
                    time.sleep(0.3)
                began = time.perf_counter()
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
                times.append(time.perf_counter() - began)
    ours.sort()
    base = statistics.median(bare) * 1000
    return [
        Figure("SIGTERM → exit, median", statistics.median(ours) * 1000, "ms", f"vs python sleep {base:.1f} ms", base),
        Figure("SIGTERM → exit, slowest", ours[-1] * 1000, "ms", "vs 1 s", 1000.0, 1.0),
    ]


# --- load + validate -------------------------------------------------------------------------------------


def loading(repeats: int) -> list[Figure]:
    import yaml

    from dmer_tips.bank.load import parse_tip_bank

    figures = []
    per_tip = []
    for count in (1_000, 10_000, 50_000):
        data = generated_bank(count).encode()
        ours = min(_timed(lambda data=data: parse_tip_bank(data, "bank.yaml")) for _ in range(repeats))
        plain = min(_timed(lambda data=data: yaml.load(data, Loader=yaml.CSafeLoader)) for _ in range(repeats))
        per_tip.append(ours / count)
        figures.append(
            Figure(
                f"load + validate {count:,} tips",
                ours * 1000,
                "ms",
                f"vs yaml.load(CSafeLoader) {plain * 1000:.0f} ms",
                plain * 1000,
                1.3,
            )
        )
    figures.append(Figure("cost per tip at 50k / at 1k (linear = 1)", per_tip[-1] / per_tip[0], "", "growth", 1.0))
    return figures


def _timed(work: Callable[[], object]) -> float:
    started_at = time.perf_counter()
    work()
    return time.perf_counter() - started_at


# --- reload latency ----------------------------------------------------------------------------------------


def reload_latency(saves: int) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as root:
        env = private_env(Path(root))
        from dmer_tips.paths import AppPaths
        from dmer_tips.service.control import request

        folder = AppPaths.for_user(env).control_file
        tips = Path(root) / "tips.yaml"
        tips.write_text(generated_bank(2))
        with started(dmer("run", "--tips", str(tips)), env):
            wait_for_status(env)
            for save in SAVE_STYLES:
                style_name = save.__name__.removeprefix("save_").replace("_", " ")
                latencies = []
                for index in range(saves):
                    count = 3 + index % 7
                    save(tips, generated_bank(count))
                    began = time.perf_counter()
                    while request(folder, "status")["result"]["tips"] != count:
                        time.sleep(0.005)
                    latencies.append(time.perf_counter() - began)
                    save(tips, generated_bank(2))
                    while request(folder, "status")["result"]["tips"] != 2:
                        time.sleep(0.005)
                latencies.sort()
                p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
                figures.append(
                    Figure(f"reload p50 / p95, {style_name}", p95, "s", f"p50 {p50:.3f} s; vs 1 s target", 1.0, 1.0)
                )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 s idle window, fewer repeats and saves")
    args = parser.parse_args()
    idle_s, repeats, saves = (10.0, 5, 10) if args.quick else (60.0, 15, 50)
    print(
        f"dmer-tips benchmarks on {platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("Each figure is shown with its ratio to a baseline measured in this same run.\n")
    for title, run in (
        ("CLI start-up and preview (median)", lambda: startup(repeats)),
        ("stopping", lambda: stopping(repeats)),
        ("load + validate (best of 3)", lambda: loading(3)),
        ("reload latency: save → new tips active (p95 shown)", lambda: reload_latency(saves)),
        ("clock steps (libfaketime; needs root)", lambda: clock_steps(repeats)),
        (f"idle footprint over {idle_s:g} s", lambda: idle(idle_s)),
    ):
        print(title)
        for figure in run():
            print(figure.line(), flush=True)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
