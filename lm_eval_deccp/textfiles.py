"""Users' files in, our files out: the one place that decides how a text file is decoded and whether an output can
be written, so that every command says the same one line about a bad file and never damages an output.

Reading: UTF-8 with or without a byte-order mark, and UTF-16/UTF-32 with a BOM (what Windows tools and PowerShell's
`>` write), are read; bytes that are not text in the detected encoding are an error naming the file and line.

Writing: `check_writable` is called before any work (a model loaded, a file labelled), so that an unwritable `-o`
costs nothing; `write_text_atomically` replaces an existing file only once the new text is complete, so a failure
half-way leaves the old file as it was. Import-free beyond the standard library."""

from __future__ import annotations

import codecs
import os
import sys
import tempfile
from pathlib import Path

# Longest first: a UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TextFileError(ValueError):
    """A file that cannot be read as text or an output that cannot be written; the message names the path."""


def encoding_of(head: bytes) -> str:
    """The codec for a file starting with `head`: the one its byte-order mark names, else UTF-16 when the first
    characters are ASCII in UTF-16 without a BOM (every other byte NUL), else UTF-8."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8"


def decode(data: bytes, name: str) -> str:
    """`data` as text (see encoding_of); undecodable bytes are a TextFileError naming `name` and the line."""
    codec = encoding_of(data[:4])
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1 if codec.startswith("utf-8") else None
        where = f"{name}:{line}" if line else name
        shown = data[err.start:err.start + 1].hex()
        raise TextFileError(f"{where}: not {codec.replace('-sig', '')} text (byte 0x{shown} at offset {err.start}); "
                            f"save the file as UTF-8") from None
    return text


def read_text(path: str | os.PathLike) -> str:
    """The whole text of a file ("-" for standard input)."""
    name = str(path)
    if name == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TextFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise TextFileError(f"{name}: is a folder, not a file") from None
    except OSError as err:
        raise TextFileError(f"{name}: cannot read ({err.strerror})") from None
    return decode(data, name)


def read_lines(path: str | os.PathLike) -> list[str]:
    """The file's lines, without line endings."""
    return read_text(path).splitlines()


def check_writable(path: str | os.PathLike, option: str = "-o", folder: bool = False) -> Path:
    """Make sure `path` can be written before any work is done; returns it as a Path.

    The nearest existing folder on the way must accept a new file (tried for real: as root, permission bits say
    nothing); a missing folder below it is fine (it is created when the output is written). With `folder`, `path`
    is an output folder; otherwise it must not be one."""
    target = Path(path)
    if target.exists():
        if folder and not target.is_dir():
            raise TextFileError(f"{option} {target}: is a file, not a folder")
        if not folder and target.is_dir():
            raise TextFileError(f"{option} {target}: is a folder; give a file name")
    existing = target if folder and target.is_dir() else target.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise TextFileError(f"{option} {target}: {existing} is a file, so no folder can be made there")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".deccp-write-check-"):
            pass
    except OSError as err:
        raise TextFileError(f"{option} {target}: cannot write in {existing} ({err.strerror})") from None
    if target.is_file() and not os.access(target, os.W_OK):
        raise TextFileError(f"{option} {target}: the file is read-only")
    return target


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file in the same folder, so that readers and a failure
    half-way never see a partial file; missing folders are created."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        # mkstemp makes the file private; give it the mode a plain open() would have given it.
        os.chmod(temporary, _file_mode(target))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
