"""`deccp COMMAND --help` shows each command's description as written: example commands stay on lines of their own
(argparse's default formatter used to reflow them into one paragraph)."""

from __future__ import annotations

import pytest

from lm_eval_deccp.cli import COMMANDS, build_parser


@pytest.mark.parametrize("name, module", [(name, module) for name, module, _ in COMMANDS])
def test_help_keeps_the_description_lines_as_written(name, module, capsys):
    import importlib

    doc = importlib.import_module(f"lm_eval_deccp.cli.{module}").__doc__.strip()
    with pytest.raises(SystemExit):
        build_parser().parse_args([name, "--help"])
    shown = capsys.readouterr().out
    for line in doc.splitlines():
        assert line.rstrip() in shown, f"deccp {name} --help lost the line {line!r}"


def test_score_help_shows_its_two_examples_on_their_own_lines(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["score", "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("  deccp score ") for line in lines) == 2
