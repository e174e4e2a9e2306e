"""Being woken the moment the wall clock is set or the machine resumes (Linux), without polling.

`ClockSetAlarm` is a timerfd on the wall clock armed far ahead with TFD_TIMER_CANCEL_ON_SET: the kernel
cancels it, which makes it readable, whenever the clock is set and when the machine resumes. Python 3.11
has no os.timerfd_create, so it is called through ctypes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
import time

_FAR_AHEAD_S = 10 * 365 * 86_400  # the alarm is only there to be cancelled, never to ring
_ARM_TRIES = 100


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


_CLOCK_REALTIME = 0
_TFD_NONBLOCK = os.O_NONBLOCK if hasattr(os, "O_NONBLOCK") else 0
_TFD_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_TFD_TIMER_ABSTIME = 1
_TFD_TIMER_CANCEL_ON_SET = 2


class ClockSetAlarm:
    """A file descriptor that becomes readable when the wall clock is set or the machine resumes (Linux)."""

    def __init__(self) -> None:
        # The process's own symbol table, not libc's by name, so an LD_PRELOADed clock (as in the tests) applies.
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.timerfd_create(_CLOCK_REALTIME, _TFD_NONBLOCK | _TFD_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create failed")
        self._armed = False

    @classmethod
    def if_available(cls) -> ClockSetAlarm | None:
        """The alarm where the kernel offers it (Linux 2.6.25+ with CANCEL_ON_SET from 3.0), else None."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            alarm = cls()
            alarm.arm()
        except (OSError, AttributeError):
            return None
        return alarm

    def fileno(self) -> int:
        return int(self._fd)

    def arm(self) -> None:
        """Arm far ahead (once after each cancel): it exists to be cancelled by a clock change."""
        if self._armed:
            return
        latest = 2 ** (8 * ctypes.sizeof(ctypes.c_long) - 1) - 1  # a 32-bit time_t ends in 2038
        flags = _TFD_TIMER_ABSTIME | _TFD_TIMER_CANCEL_ON_SET
        for _ in range(_ARM_TRIES):
            spec = _Itimerspec(_Timespec(0, 0), _Timespec(min(int(time.time()) + _FAR_AHEAD_S, latest), 0))
            if self._libc.timerfd_settime(self._fd, flags, ctypes.byref(spec), None) == 0:
                self._armed = True
                return
            error = ctypes.get_errno()
            if error != errno.ECANCELED:
                raise OSError(error, "timerfd_settime failed")
            # The clock was set again between the last read and this arming (a resume, then an NTP step):
            # the wake-up this causes already looks at the clock, so just arm again.
        raise OSError(errno.ECANCELED, "the clock kept being set while arming the alarm")

    def clock_was_set(self) -> bool:
        """Read the alarm after it became readable; True when the kernel cancelled it for a clock change."""
        try:
            os.read(self._fd, 8)
        except BlockingIOError:
            return False
        except OSError:  # ECANCELED: the clock was set, or the machine resumed
            self._armed = False
            return True
        self._armed = False  # rang after ten years: arm again
        return False

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
