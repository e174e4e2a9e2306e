"""The control commands the service answers (`dmer-tips status`, `pause`, `session`, …), each a call on the service."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dmer_tips.errors import DmerTipsError
from dmer_tips.schedule.pause import PauseRequest
from dmer_tips.service.messages import ControlRequest
from dmer_tips.service.protocol import ReloadReport

if TYPE_CHECKING:
    from dmer_tips.service.core import Service

log = logging.getLogger(__name__)


def answer(service: Service, request: ControlRequest) -> None:
    """Do what a control request asks, if its sender still waits, and reply; a failure is a plain sentence."""
    if not request.still_wanted():
        log.warning("ignored a %r request that came after its sender had given up", request.command)
        return
    try:
        result = _run(service, request.command, request.arguments)
    except DmerTipsError as error:
        request.reply({"ok": False, "error": str(error)})
    except Exception:
        log.exception("the %r request failed", request.command)
        request.reply({"ok": False, "error": "the service could not do that — see its log (`dmer-tips where`)"})
    else:
        request.reply({"ok": True, "result": result})


def _run(service: Service, command: str, arguments: dict[str, Any]) -> object:
    if command == "status":
        return service.status()
    if command == "reload":
        report: ReloadReport = service.reload().report()
        return report
    if command == "pause":
        return service.pause(PauseRequest.from_json(arguments.get("pause")))
    if command == "resume":
        return {"was_paused": service.resume()}
    if command == "tip":
        return service.send_tip_now(_optional_text(arguments, "category"))
    if command == "session":
        return service.start_session(_optional_text(arguments, "name"), arguments.get("respect_pause") is True)
    if command == "session_stop":
        return {"cancelled": service.companion.stop()}
    if command == "logged":
        service.feed_logged(_moment(arguments, "at"))
        return None
    if command == "stop":
        service.parts.end_loop()
        return None
    raise DmerTipsError(f"the service does not know the command {command!r} — is the CLI newer than the service?")


def _moment(arguments: dict[str, Any], name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(arguments[name])
    except (KeyError, TypeError, ValueError):
        raise DmerTipsError(f"the {name} must be a moment in time") from None
    if moment.tzinfo is None:
        raise DmerTipsError(f"the {name} must say its time zone")
    return moment


def _optional_text(arguments: dict[str, Any], name: str) -> str | None:
    value = arguments.get(name)
    if value is not None and not isinstance(value, str):
        raise DmerTipsError(f"the {name} must be text")
    return value
