"""What `deccp report` and `deccp spot-check` share beyond their arguments: the error that is one line to the user
(the command modules turn it into cli.UsageError, exit status 2), and the parsing of their NAME=MODEL and
comma-separated options."""

from __future__ import annotations

from lm_eval_deccp.textfiles import TextFileError, check_writable


class CommandError(ValueError):
    """A problem with the command's input that deserves one clear line, not a traceback."""


def split_fields(value: str | None, option: str) -> list[str] | None:
    """"model,lang" → ["model", "lang"]; None when the option was not given."""
    if value is None:
        return None
    fields = [part.strip() for part in value.split(",") if part.strip()]
    if not fields:
        raise CommandError(f"{option} {value!r}: expected comma-separated names")
    return fields


def parse_aliases(pairs: list[str]) -> dict[str, str]:
    """--alias NAME=MODEL, repeatable: {NAME: MODEL}; a NAME given two different MODELs is an error."""
    aliases: dict[str, str] = {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        name, target = name.strip(), target.strip()
        if not sep or not name or not target:
            raise CommandError(f"--alias {pair!r}: expected NAME=MODEL, e.g. Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct")
        if aliases.get(name, target) != target:
            raise CommandError(f"--alias {pair!r}: {name!r} is already an alias of {aliases[name]!r}")
        aliases[name] = target
    return aliases


def check_outputs(outputs: list[tuple[str | None, str]]) -> None:
    """Each (path, option) given can be written, before any work is done."""
    try:
        for path, option in outputs:
            if path:
                check_writable(path, option)
    except TextFileError as err:
        raise CommandError(str(err)) from None
