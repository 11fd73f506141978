"""The README and the pages in docs/ stay true: links and images resolve, every page is reachable from the README,
every command of the command line is documented, and the two commands a newcomer copies are the ones CI runs.

Pages are found by globbing docs/, so a new page is checked as soon as it exists; nothing here lists them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lstmviz.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted([README, *DOCS.glob("*.md")])
RUN_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/lstmviz"
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
README_LIMIT_BYTES = 15_000

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """The text without fenced code blocks, where brackets are code, not links."""
    return FENCE.sub("", text)


def _links(path: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(_text(path)))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading)  # <sub>t</sub> -> t
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](link) -> text
    text = text.replace("`", "").replace("*", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a page defines, numbered like GitHub's for repeated headings (x, x-1, x-2, ...)."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    for line in _prose(_text(path)).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(page: Path) -> None:
    assert _links(page), f"{page.name}: no links found (is the link pattern broken?)"
    broken = []
    for target in _links(page):
        if _is_external(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / file_part).resolve() if file_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with anchor #{anchor} in {destination.name}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_checker_catches_what_it_should(tmp_path: Path) -> None:
    """The checks above pass only because the links are right: the same helpers flag a wrong file and anchor."""
    page = tmp_path / "page.md"
    page.write_text(
        "# A `code` heading: with punctuation!\n\n## Twice\n\n## Twice\n\n"
        "[ok](#a-code-heading-with-punctuation) [bad](#nowhere) ![img](missing.png)\n"
        "```\n[not a link](inside-code.md)\n```\n",
        encoding="utf-8",
    )
    assert _links(page) == ["#a-code-heading-with-punctuation", "#nowhere", "missing.png"]
    assert anchors(page) == {"a-code-heading-with-punctuation", "twice", "twice-1"}
    assert slug("Gradients: vanishing, exploding, and the <sub>t</sub> `carousel`") == (
        "gradients-vanishing-exploding-and-the-t-carousel"
    )


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in _links(README) if not _is_external(target)}
    orphans = [page.name for page in DOCS.glob("*.md") if page.resolve() not in linked]
    assert not orphans, f"link these pages from README.md (its 'More' list): {orphans}"


def test_the_readme_is_a_landing_page() -> None:
    text = _text(README)
    size = len(text.encode("utf-8"))
    assert size < README_LIMIT_BYTES, f"README.md is {size} bytes; move detail into docs/"
    first_screen = text[: text.index("## File formats")]
    assert RUN_COMMAND in first_screen and TEST_COMMAND in first_screen
    assert "## A five-minute tour" in first_screen
    assert re.search(r"^### More$", text, re.MULTILINE), "the 'More' list where new pages are linked"


def test_the_two_commands_and_ci() -> None:
    text = _text(README)
    assert RUN_COMMAND in text
    assert TEST_COMMAND in text
    assert TEST_COMMAND in _text(ROOT / ".ci" / "run"), ".ci/run must run the README's test command as written"


def _subcommands() -> list[str]:
    parser = build_parser()
    (sub,) = [action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction"]
    return sorted(sub.choices)  # type: ignore[attr-defined]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_every_command_is_in_the_readme_table_and_in_the_cli_page() -> None:
    commands = _subcommands()
    assert {"trace", "plot", "info"} <= set(commands)
    table = [line for line in _section(_text(README), "## The command line").splitlines() if line.startswith("|")]
    cli_headings = [line for line in _text(DOCS / "cli.md").splitlines() if line.startswith("#")]
    missing_readme = [c for c in commands if not any(f"`lstmviz {c}`" in row for row in table)]
    missing_cli = [c for c in commands if not any(f"`lstmviz {c}`" in heading for heading in cli_headings)]
    assert not missing_readme, f"add a row to the README's command table for: {missing_readme}"
    assert not missing_cli, f"add a section to docs/cli.md for: {missing_cli}"


def test_the_screenshot_command_in_the_readme_is_a_real_command() -> None:
    """The README says how its picture was made; that command line must parse."""
    match = re.search(r"made with `lstmviz (screenshot [^`]+)`", _text(README))
    assert match, "the README names the command that made docs/screenshot.png"
    args = build_parser().parse_args(match.group(1).split())
    assert args.command == "screenshot" and (ROOT / args.out).is_file()


def test_the_readmes_system_packages_match_what_lstmviz_names() -> None:
    """The apt and dnf lines list every X11 package the start-up check can name, and only real mappings."""
    from lstmviz.gui.platform_check import XCB_LIBRARIES

    text = " ".join(_text(README).split())
    apt = set(re.search(r"sudo apt install ([a-z0-9.+ -]+)`", text).group(1).split())  # type: ignore[union-attr]
    found = re.search(r"sudo dnf install ([A-Za-z0-9.+ -]+)`", text)
    assert found is not None
    dnf = set(found.group(1).split())
    known_apt = {debian for debian, _ in XCB_LIBRARIES.values()}
    known_dnf = {fedora for _, fedora in XCB_LIBRARIES.values()}
    assert apt <= known_apt and dnf <= known_dnf
    x11 = {
        so: pkgs for so, pkgs in XCB_LIBRARIES.items() if so.startswith(("libxcb-", "libxkbcommon-x11", "libX11-xcb"))
    }
    assert {debian for debian, _ in x11.values()} <= apt
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"} <= apt
    assert {"xcb-util-cursor", "xcb-util-wm", "xcb-util-keysyms"} <= dnf


def test_the_readmes_command_line_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The "Without a window" line a newcomer pastes: the bundled sine has a sin and a cos column, so the example
    must pick one for the one-input sample network (it did not, and failed with exit 2)."""
    from lstmviz.cli.main import main

    line = re.search(r"`(lstmviz plot resources/sequences/\S+[^`]*)`", _text(README))
    assert line is not None, "the README's command-line example is gone"
    words = line.group(1).split()[1:]
    out = words.index("--out")
    words[out + 1] = str(tmp_path / words[out + 1])
    monkeypatch.chdir(ROOT)
    assert main(words) == 0
    assert (tmp_path / "gates.png").stat().st_size > 10_000
