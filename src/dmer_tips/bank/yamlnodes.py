"""Read YAML into located nodes: the only place the project parses YAML.

We compose nodes from parser events ourselves instead of calling `yaml.load`, so that every value keeps
its line and column, aliases are refused where they stand (an alias bomb never expands), duplicate keys
are caught instead of silently keeping the last, and absurd nesting stops early instead of recursing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.resolver import Resolver

try:
    _Loader: type = yaml.CSafeLoader  # libyaml: several times faster than the pure-Python parser
except AttributeError:  # pragma: no cover - wheels without libyaml
    _Loader = yaml.SafeLoader

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
UNUSABLE = "!unusable"  # stands in for an alias or a forbidden tag, already reported
_SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL}
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the file."""

    line: int
    column: int


@dataclass
class Scalar:
    text: str
    tag: str
    mark: Mark


@dataclass
class Sequence:
    items: list[Node]
    mark: Mark


@dataclass
class Mapping:
    """Keys are the keys' raw text, so `on:` stays the word "on" rather than YAML 1.1's True."""

    entries: dict[str, tuple[Scalar, Node]]
    mark: Mark


Node = Scalar | Sequence | Mapping


@dataclass(frozen=True)
class Issue:
    """A problem found while reading, before the path is known."""

    mark: Mark
    what: str
    fix: str


@dataclass
class Composed:
    root: Node | None
    issues: list[Issue] = field(default_factory=list)


class FatalYaml(Exception):
    """Reading cannot go on; carries the issues found so far plus the fatal one."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(issues[-1].what)


def _mark(event_mark: Any) -> Mark:
    """A 1-based Mark from a parser mark (pure-Python or libyaml's, which have the same fields)."""
    return Mark(event_mark.line + 1, event_mark.column + 1) if event_mark else Mark(1, 1)


class _Builder:
    """Turns a stream of events into one document's node tree."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.stack: list[tuple[Mapping | Sequence, list[Scalar | None]]] = []
        self.root: Node | None = None
        self.documents = 0
        self.finished = False
        self.issues: list[Issue] = []
        self._resolver = Resolver()

    def feed(self, event: yaml.Event) -> None:
        if self.finished:
            return
        if isinstance(event, yaml.DocumentStartEvent) and self.root is not None:
            self.finished = True
            self.issues.append(
                Issue(
                    _mark(event.start_mark),
                    "a second YAML document starts here",
                    "keep everything in one document: remove the `---` line",
                )
            )
        elif isinstance(event, yaml.ScalarEvent):
            self._attach(Scalar(event.value, self._scalar_tag(event), _mark(event.start_mark)))
        elif isinstance(event, yaml.AliasEvent):
            self.issues.append(
                Issue(
                    _mark(event.start_mark), f"aliases (*{event.anchor}) are not allowed", "write the value out in full"
                )
            )
            self._attach(Scalar("", UNUSABLE, _mark(event.start_mark)))
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._open(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self._attach(self.stack.pop()[0])

    def _scalar_tag(self, event: yaml.ScalarEvent) -> str:
        if event.tag in (None, "!"):
            return str(self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit))  # type: ignore[no-untyped-call]
        if event.tag not in _SCALAR_TAGS:
            self.issues.append(
                Issue(
                    _mark(event.start_mark),
                    f"the tag {event.tag} is not allowed",
                    "remove the tag and write plain text",
                )
            )
            return UNUSABLE
        return str(event.tag)

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        mark = _mark(event.start_mark)
        if event.tag not in _COLLECTION_TAGS:
            self.issues.append(Issue(mark, f"the tag {event.tag} is not allowed", "remove the tag"))
        if len(self.stack) >= self.max_depth:
            fix = "a tip bank needs only a few levels; check the indentation and brackets"
            raise FatalYaml([*self.issues, Issue(mark, f"nesting is deeper than {self.max_depth} levels", fix)])
        container: Mapping | Sequence = (
            Mapping({}, mark) if isinstance(event, yaml.MappingStartEvent) else Sequence([], mark)
        )
        self.stack.append((container, [None]))

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        container, pending_key = self.stack[-1]
        if isinstance(container, Sequence):
            container.items.append(node)
        elif pending_key[0] is None:
            pending_key[0] = self._as_key(node)
        else:
            self._add_entry(container, pending_key[0], node)
            pending_key[0] = None

    def _as_key(self, node: Node) -> Scalar:
        if isinstance(node, Scalar):
            return node
        self.issues.append(Issue(node.mark, "a key must be plain text", "write a simple name before the colon"))
        return Scalar(f"<invalid key at line {node.mark.line}>", STR, node.mark)

    def _add_entry(self, mapping: Mapping, key: Scalar, value: Node) -> None:
        first = mapping.entries.get(key.text)
        if first is not None:
            self.issues.append(
                Issue(
                    key.mark, f'duplicate key "{key.text}" (first at line {first[0].mark.line})', "remove one of them"
                )
            )
            return
        mapping.entries[key.text] = (key, value)


def compose(text: str, *, max_depth: int) -> Composed:
    """Compose one YAML document into located nodes; raises FatalYaml on syntax errors or absurd nesting."""
    try:
        return _compose_with(_Loader, text, max_depth)
    except _LibyamlDepthLimit:
        # Newer libyaml refuses deep nesting on its own, ahead of the events we count, with a message and
        # place of its own; the pure-Python parser stops at our limit, with ours, after a few hundred bytes.
        return _compose_with(yaml.SafeLoader, text, max_depth)


class _LibyamlDepthLimit(Exception):
    pass


def _compose_with(loader: type, text: str, max_depth: int) -> Composed:
    builder = _Builder(max_depth)
    try:
        for event in yaml.parse(text, Loader=loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as error:
        if loader is not yaml.SafeLoader and "nesting depth" in (error.problem or ""):
            raise _LibyamlDepthLimit from None
        raise FatalYaml([*builder.issues, _syntax_issue(error, text)]) from None
    except yaml.reader.ReaderError as error:  # a control character: it carries a position, not a mark
        before = text[: error.position]
        where = Mark(before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1)
        what = f"character U+{error.character:04X} is not allowed in YAML"
        raise FatalYaml(
            [*builder.issues, Issue(where, what, "delete it; control characters cannot appear in the file")]
        ) from None
    return Composed(builder.root, builder.issues)


_UNCLOSED = {
    "while scanning a quoted scalar": ("this quote is never closed", "end the text with the same quote mark"),
    "while parsing a flow sequence": ("this [ is never closed", "close the list with ]"),
    "while parsing a flow mapping": ("this { is never closed", "close the group with }"),
    "while parsing a flow node": ("this [ or { is never closed", "close it with ] or }"),
}


def _syntax_issue(error: yaml.MarkedYAMLError, text: str) -> Issue:
    opened = _UNCLOSED.get(error.context or "")
    if opened is not None and error.context_mark is not None:
        # The parser notices only where the file ends or the next key starts; the cause is where it opened.
        opened_at = Mark(error.context_mark.line + 1, error.context_mark.column + 1)
        bracket = _bracket_left_open(text, error.context_mark.index)
        if error.context == "while parsing a flow node" and bracket is not None:
            # Its mark is where the node was due, not the bracket: find the bracket itself.
            opened_at, char = bracket
            opened = _UNCLOSED["while parsing a flow sequence" if char == "[" else "while parsing a flow mapping"]
        return Issue(opened_at, *opened)
    mark = error.problem_mark or error.context_mark
    quote = _quote_left_open(text, mark.line + 1 if mark else 1)
    if quote is not None:
        # A quote left open pairs with the next quote in the file, lines later; the parser then stumbles there.
        return Issue(quote, "this quote is never closed on its line", "end the text with the same quote mark")
    problem = error.problem or "the file cannot be read as YAML"
    where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
    lines = text.splitlines()
    line = lines[where.line - 1] if where.line <= len(lines) else ""
    found_tab = "\t" in line[: where.column]
    return Issue(where, f"YAML syntax error: {problem}", _syntax_hint(problem, found_tab))


def _bracket_left_open(text: str, before: int) -> tuple[Mark, str] | None:
    """The last [ or { still open at offset `before`, and where (outside quotes and comments)."""
    open_at: list[int] = []
    quote = ""
    for index, char in enumerate(text[:before]):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \n"):
            quote = "\n"  # a comment runs to the end of its line
        elif char in "[{":
            open_at.append(index)
        elif char in "]}" and open_at:
            open_at.pop()
    if not open_at:
        return None
    at = open_at[-1]
    line_start = text.rfind("\n", 0, at) + 1
    return Mark(text.count("\n", 0, at) + 1, at - line_start + 1), text[at]


def _quote_left_open(text: str, error_line: int) -> Mark | None:
    """The last line before `error_line` that opens a double quote it never closes (tips are one line each)."""
    lines = text.splitlines()
    for number in range(min(error_line, len(lines)), 0, -1):
        content = lines[number - 1].split(" #", 1)[0]
        quotes = [i for i, char in enumerate(content) if char == '"' and (i == 0 or content[i - 1] != "\\")]
        if len(quotes) % 2 == 1 and "'" not in content[: quotes[-1]]:
            return Mark(number, quotes[-1] + 1)
    return None


def _syntax_hint(problem: str, found_tab: bool) -> str:
    if found_tab:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return 'put text that contains ": " in quotes'
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "check that this line is indented like its neighbours and that quotes and brackets are closed"
    return "check the indentation and quotes on this line and the one before"
