"""What "fits the terminal" means for the tests: a line may run past the width only to keep a long word whole
(a deep path), so that it can still be copied; that word then ends its line, and all before it fits."""


def lines_too_long(text: str, width: int) -> list[str]:
    """The lines of `text` wider than `width` for any reason other than one long word kept whole."""
    return [line for line in text.splitlines() if len(line) > width and not _ends_in_a_long_word(line, width)]


def _ends_in_a_long_word(line: str, width: int) -> bool:
    last = line.split()[-1]
    return len(line) - len(last) < width and len(last) > width // 2
