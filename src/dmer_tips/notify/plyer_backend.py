"""macOS and Windows: plyer, with text cut to what the Windows balloon accepts so nothing is silently lost."""

from __future__ import annotations

from dmer_tips.notify.base import APP_NAME, Notification, Notifier, NotifyError
from dmer_tips.paths import icon_path

# Windows balloon limits in UTF-16 code units; over them plyer's own thread fails and the tip is lost.
TITLE_LIMIT = 63
MESSAGE_LIMIT = 255
APP_NAME_LIMIT = 127
ELLIPSIS = "…"
# plyer's Windows balloon is removed as soon as its `timeout` ends, and at once for 0: "until dismissed" there
# means a long timeout (its own thread waits it out).
UNTIL_DISMISSED_S = 3600


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units on a word boundary, with an ellipsis when anything was cut."""
    if utf16_len(text) <= limit:
        return text
    room = limit - utf16_len(ELLIPSIS)
    cut = text
    while utf16_len(cut) > room:
        cut = cut[:-1]
    word_end = cut.rfind(" ")
    if word_end > len(cut) // 2:  # a very long word is cut mid-word rather than losing most of the text
        cut = cut[:word_end]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def plyer_timeout(show_for_s: float | None) -> int:
    """plyer's whole seconds, at least one (0 would remove the Windows balloon at once)."""
    return UNTIL_DISMISSED_S if show_for_s is None else max(1, round(show_for_s))


class PlyerNotifier(Notifier):
    name = "the desktop"

    def send(self, notification: Notification) -> None:
        try:
            from plyer import notification as plyer_notification

            plyer_notification.notify(
                title=shorten(notification.title, TITLE_LIMIT),
                message=shorten(notification.with_hint(), MESSAGE_LIMIT),
                app_name=shorten(APP_NAME, APP_NAME_LIMIT),
                app_icon=str(icon_path()),
                timeout=plyer_timeout(notification.show_for_s),
            )
        except (ImportError, NotImplementedError, OSError) as error:
            raise NotifyError(f"plyer could not notify: {error}") from error
