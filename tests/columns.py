"""What "fits the terminal" means for the tests: a line may only run past the width when it holds one word
longer than the line (a deep path), which is kept whole so that it can be copied."""


def lines_too_long(text: str, width: int) -> list[str]:
    """The lines of `text` wider than `width` that could have been broken between words."""
    return [line for line in text.splitlines() if len(line) > width and " " in line[: width + 1].strip()]
