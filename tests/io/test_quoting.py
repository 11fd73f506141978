"""Messages that quote a file stay one short, printable line."""

from __future__ import annotations

from lstmviz.io.quoting import first_sentence, one_line, quote, replace_surrogates, shorten


def test_shorten_cuts_to_forty_characters_with_an_ellipsis() -> None:
    assert shorten("a" * 39) == "a" * 39
    assert shorten("a" * 40) == "a" * 40
    assert shorten("a" * 41) == "a" * 39 + "…"
    assert shorten("b" * 10_000_000) == "b" * 39 + "…"


def test_control_characters_and_surrogates_are_escaped() -> None:
    assert shorten("a\nb\tc\x1b[31m") == "a\\nb\\tc\\x1b[31m"
    assert shorten("x\ud800y") == "x\\ud800y"
    assert shorten("\u2028") == "\\u2028"
    assert quote("it's") == "'it's'" and quote(12) == "12" and quote([1, 2]) == "[1, 2]"


def test_first_sentence_drops_the_paragraph() -> None:
    torch_like = (
        "PytorchStreamReader failed reading zip archive: failed finding central directory. This is "
        "probably because the file is corrupted. Please check the file."
    )
    assert (
        first_sentence(torch_like) == "PytorchStreamReader failed reading zip archive: failed finding central directory"
    )
    assert first_sentence("line one\nline two") == "line one"
    assert first_sentence(ValueError("")) == "ValueError"
    assert first_sentence("version 1.2 is odd") == "version 1.2 is odd"  # a dot inside a number is no end


def test_one_line_keeps_the_path_and_cuts_the_rest() -> None:
    path = "/very/long/" + "p" * 400 + ".csv"
    line = one_line(f"{path}: row 3:\n" + "x" * 10_000, path)
    assert line.startswith(path + ": row 3: x") and len(line) == len(path) + 300 and line.endswith("…")
    assert one_line("short\n\nmessage") == "short message"


def test_replace_surrogates() -> None:
    assert replace_surrogates("a\udc80b") == ("a\ufffdb", True)
    assert replace_surrogates("plain é") == ("plain é", False)
