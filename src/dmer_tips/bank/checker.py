"""Reading located YAML nodes into typed values, recording each problem with its place and its fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from dmer_tips.bank.model import ONE_LINE, headline
from dmer_tips.bank.yamlnodes import BOOL, INT, NULL, STR, UNUSABLE, Mapping, Node, Scalar, Sequence
from dmer_tips.errors import Problem, did_you_mean
from dmer_tips.timespec import SpecError

T = TypeVar("T")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
# C0 and C1 controls and DEL (a BEL, an ESC sequence), which YAML lets in through escapes like "\e";
# a tab or a line break inside a text is fine.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # a title, a name or a source is one line


YES_NO_WORDS = {"yes", "no", "true", "false", "on", "off"}


class Checker:
    """Reads nodes into values; each reader returns None after recording a problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def note(self, node: Node, what: str, fix: str) -> None:
        """Advice that does not stop the file being used."""
        self.notes.append(Problem(self.path, node.mark.line, node.mark.column, what, fix))

    def one_line(self, node: Node, text: str) -> None:
        """Note a text whose first sentence will not fit the one line GNOME shows."""
        first = headline(text)
        if len(first) > ONE_LINE:
            self.note(
                node,
                f"the first sentence is {len(first)} characters; GNOME shows about {ONE_LINE} in a banner",
                f"put the point in a first sentence of up to {ONE_LINE} characters; details can follow",
            )

    def problem(self, node: Node | Scalar, what: str, fix: str) -> None:
        if isinstance(node, Scalar) and node.tag == UNUSABLE:
            return  # already reported where it was read
        self.problems.append(Problem(self.path, node.mark.line, node.mark.column, what, fix))

    def mapping(
        self, node: Node, where: str, keys: dict[str, bool] | None = None, elsewhere: dict[str, str] | None = None
    ) -> Mapping | None:
        """A group of keys; `keys` maps each allowed key to whether it is required (None: names are free);
        `elsewhere` names where a key that belongs to another group goes."""
        if not isinstance(node, Mapping):
            self.problem(node, f"{where} must be a group of keys, not {_kind(node)}", "indent its keys under it")
            return None
        for name, (key, _) in node.entries.items():
            if keys is not None and name not in keys:
                home = (elsewhere or {}).get(name)
                self.problem(
                    key,
                    f'unknown key "{name}" in {where}',
                    f"it belongs under {home}: indent it there"
                    if home
                    else did_you_mean_or(name, list(keys), "allowed here: " + ", ".join(keys)),
                )
        for name, required in (keys or {}).items():
            if required and name not in node.entries:
                self.problem(node, f'{where} has no "{name}"', f"add {name}: under it")
        return node

    def sequence(self, node: Node, where: str) -> Sequence | None:
        if isinstance(node, Sequence):
            return node
        self.problem(node, f"{where} must be a list, not {_kind(node)}", "start each item on its own line with `- `")
        return None

    def text(self, node: Node, field: str, limit: int | None = None) -> str | None:
        if not isinstance(node, Scalar) or node.tag not in (STR, NULL):
            shown = f" ({node.text})" if isinstance(node, Scalar) else ""
            self.problem(
                node, f'"{field}" was read as {_kind(node)}{shown}', f'write it as text in quotes: {field}: "..."'
            )
            return None
        value = node.text.strip() if node.tag != NULL else ""
        if not value:
            self.problem(
                node,
                f'"{field}" is empty',
                "write a short, gentle sentence after the colon"
                if field == "text"
                else "fill it in or remove the line",
            )
            return None
        control = (_CONTROL if field == "text" else _CONTROL_OR_BREAK).search(value)
        if control is not None:
            self.problem(
                node,
                f'"{field}" contains the control character U+{ord(control[0]):04X}',
                "remove it; notifications show plain text only",
            )
            return None
        if limit is not None and len(value) > limit:
            self.problem(
                node,
                f'"{field}" is {len(value)} characters, over the limit of {limit}',
                "shorten it" + (" or split it into two tips" if field == "text" else ""),
            )
            return None
        return value

    def name(self, node: Node, field: str, example: str = "drink-water") -> str | None:
        value = self.text(node, field)
        if value is not None and not _NAME.fullmatch(value):
            self.problem(
                node,
                f'{field} "{value}" has characters that are not allowed',
                f"use lowercase letters, digits and dashes, like {example}",
            )
            return None
        return value

    def yes_no(self, node: Node, field: str) -> bool | None:
        """`true` or `false` (YAML also reads yes/no, on/off)."""
        if isinstance(node, Scalar) and node.tag == BOOL:
            return node.text.strip().lower() in ("true", "yes", "on", "y")
        word = node.text.strip() if isinstance(node, Scalar) else ""
        if word.lower() in YES_NO_WORDS:  # quoted, so YAML read it as text
            self.problem(
                node, f'"{field}" is "{word}" in quotes, which is text', f"write it without quotes: {field}: {word}"
            )
        else:
            self.problem(node, f'"{field}" must be yes or no, not {_kind(node)}', f"write it like: {field}: yes")
        return None

    def whole_number(self, node: Node, field: str, minimum: int) -> int | None:
        if not isinstance(node, Scalar) or node.tag != INT or not node.text.isdigit():
            self.problem(node, f'"{field}" must be a whole number, not {_kind(node)}', f"write it like: {field}: 8")
            return None
        value = int(node.text)
        if value < minimum:
            self.problem(node, f'"{field}" is {value}, below {minimum}', f"use {minimum} or more")
            return None
        return value

    def spec(
        self, node: Node, field: str, parse: Callable[[str], T], example: str, units: tuple[str, str] = ("m", "h")
    ) -> T | None:
        """Read a time-syntax string, explaining the YAML 1.1 traps (`9:05` is 545, `no` is False); a bare number
        is offered `units` that suit the field."""
        if isinstance(node, Scalar) and node.tag == INT and ":" in node.text:
            self.problem(
                node,
                f'"{field}" {node.text} was read as a number of minutes',
                f"write {_quoted_clock(node.text)} in quotes",
            )
            return None
        if isinstance(node, Scalar) and node.tag == INT:
            if node.text.strip().startswith("-"):
                self.problem(node, f'"{field}" {node.text} is negative', f"write a length of time, like {example}")
            else:
                number = node.text.strip()
                self.problem(
                    node, f'"{field}" {number} has no unit', f"add one, like {number}{units[0]} or {number}{units[1]}"
                )
            return None
        if not isinstance(node, Scalar) or node.tag != STR:
            self.problem(node, f'"{field}" was read as {_kind(node)}', f"write it in quotes, like {field}: {example}")
            return None
        try:
            return parse(node.text)
        except SpecError as error:
            self.problem(node, error.what, error.fix)
            return None


def _kind(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a group of keys"
    if isinstance(node, Sequence):
        return "a list"
    return {STR: "text", INT: "a number", BOOL: "a yes/no value", NULL: "empty"}.get(node.tag, "a number")


def did_you_mean_or(word: str, choices: list[str], otherwise: str) -> str:
    return did_you_mean(word, choices) or otherwise


def _quoted_clock(raw: str) -> str:
    hours, _, minutes = raw.partition(":")
    return f'"{int(hours):02d}:{minutes}"' if hours.isdigit() else f'"{raw}"'
