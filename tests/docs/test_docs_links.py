"""Every relative link in the README, docs/, the task READMEs and results/README.md leads to a file that exists,
and every #anchor to a heading of its page (GitHub's heading ids), so moving or renaming a page cannot leave a
dangling link behind. Links inside code (fenced blocks and `inline code`) are examples, not links, and are skipped."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

# The repository root, wherever in tests/ this file sits.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / ".ci" / "run").exists())
PAGES = sorted({ROOT / "README.md", ROOT / "results" / "README.md",
                *(ROOT / "docs").rglob("*.md"), *(ROOT / "tasks").glob("*/README.md")})

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces turned into hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading counts by its text
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = github_anchor(heading)
        count = seen.get(base, 0)
        anchors.add(base if count == 0 else f"{base}-{count}")  # GitHub numbers repeated headings
        seen[base] = count + 1
    return anchors


def relative_links(page: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z][a-z+.-]*:", target)]


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors_of(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    assert broken_links(page) == []


def test_the_checker_sees_links_and_anchors():
    """The check itself: it finds the README's links, and GitHub's ids for headings with punctuation and code."""
    assert any(t.startswith("docs/") for t in relative_links(ROOT / "README.md"))
    assert github_anchor("Quick start, fully offline") == "quick-start-fully-offline"
    assert github_anchor("## `deccp direction`".lstrip("# ")) == "deccp-direction"
    assert github_anchor("Registration: how lm_eval finds the tasks") == "registration-how-lm_eval-finds-the-tasks"
