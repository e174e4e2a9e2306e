"""Fuzzing the loader: whatever the bytes, only our own located error comes out, and nothing hangs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmer_tips.bank.load import MAX_FILE_BYTES, parse_tip_bank
from dmer_tips.errors import TipBankError
from dmer_tips.paths import bundled_tips_path

from .robust import scale

pytestmark = pytest.mark.robustness
BUNDLED = bundled_tips_path().read_bytes()
FUZZ = settings(max_examples=scale(150, 3000), deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def check_only_our_errors(data: bytes) -> None:
    try:
        parse_tip_bank(data, "fuzz.yaml")
    except TipBankError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == "fuzz.yaml" and problem.line >= 1 and problem.column >= 1
            assert problem.what and problem.fix


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    """Random bytes give a valid bank or TipBankError with a location, never anything else."""
    check_only_our_errors(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`, \n\t?0123456789abcxyz")), max_size=400))
def test_yaml_punctuation_soup(text: str) -> None:
    """Text made of YAML's own punctuation never escapes as a crash."""
    check_only_our_errors(text.encode())


@st.composite
def mutated_bundled(draw: st.DrawFn) -> bytes:
    """The bundled bank with a few edits a hurried hand might make."""
    lines = BUNDLED.decode().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "insert", "truncate", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "indent":
            lines[index] = "  " + lines[index]
        elif action == "dedent":
            lines[index] = lines[index][2:]
        elif action == "insert":
            lines.insert(index, draw(st.text(max_size=40)) + "\n")
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "".join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(mutated_bundled())
def test_mutated_bundled_bank(data: bytes) -> None:
    """Hand-edit mistakes in a real bank give located errors, never a crash."""
    check_only_our_errors(data)


def test_hostile_files_are_rejected_fast() -> None:
    """An alias bomb, 5,000-deep nesting and a 10 MB file are each refused with our error, quickly."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9)
    )
    hostile = {
        "alias bomb": bomb.encode(),
        "deep nesting": b"x: " + b"[" * 5000 + b"]" * 5000,
        "10 MB": b"# padding\n" * (MAX_FILE_BYTES // 10 + 300_000),
    }
    for name, data in hostile.items():
        started = time.perf_counter()
        with pytest.raises(TipBankError):
            parse_tip_bank(data, name)
        assert time.perf_counter() - started < 5, f"{name} took too long"  # a guard against hangs, not a benchmark


def test_fuzz_corpus_file_round_trip(tmp_path: Path) -> None:
    """A file on disk goes through the same path as bytes in memory."""
    from dmer_tips.bank.load import load_tip_bank

    path = tmp_path / "tips.yaml"
    path.write_bytes(BUNDLED)
    assert len(load_tip_bank(path).tips) == len(parse_tip_bank(BUNDLED, str(path)).tips)
