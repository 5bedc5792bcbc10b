"""MixEval's items: from a local copy in MixEval's own layout, or from the Hugging Face hub.

A local copy is the folder MixEval's suite calls `data_path` (github.com/Psycoy/MixEval, mix_eval/utils/dataset.py):
it holds `mixeval-<version>/<mixeval|mixeval-hard>/<free-form|multiple-choice>.json`, each a JSON object keyed by
item id whose values are {problem_type, context, prompt, options?, target, benchmark_name}. It is named by
$MIXEVAL_DATA_DIR or `--metadata '{"mixeval_data_dir": DIR}'` (the metadata wins), as the deccp tasks name theirs.

Without one, the items come from the hub dataset `MixEval/MixEval` (configs `MixEval` and `MixEval_Hard`, splits
`free_form` and `multiple_choice`). The hub keeps one version at a time (it is updated in place), so the version
is pinned by content: every hub load is fingerprinted against the versions this module knows (KNOWN_FINGERPRINTS),
and a load that is not the version asked for (--metadata `mixeval_version`, default 2024-06-01) is an error that
says which version the hub gave; `mixeval_revision` picks a hub commit."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lm_eval_deccp.data.local_copy import local_data_dir

DATA_DIR_ENV = "MIXEVAL_DATA_DIR"
HUB_ID = "MixEval/MixEval"
# The version the deccp study's table fits (results/README.md, "The blog's MixEval table"); `mixeval_version` in
# --metadata picks another.
DEFAULT_VERSION = "2024-06-01"
VERSIONS = ("2024-06-01", "2024-08-11")
# Benchmark (MixEval's names) → folder in MixEval's layout, and → hub config.
FOLDERS = {"mixeval": "mixeval", "mixeval_hard": "mixeval-hard"}
HUB_CONFIGS = {"mixeval": "MixEval", "mixeval_hard": "MixEval_Hard"}
PARTS = {"freeform": ("free-form.json", "free_form"), "multichoice": ("multiple-choice.json", "multiple_choice")}


class MixEvalDataUnavailable(RuntimeError):
    """The MixEval items could not be loaded; the message says what to do."""


@dataclass(frozen=True)
class Item:
    id: str
    part: str  # "freeform" or "multichoice"
    benchmark: str  # MixEval's benchmark_name, e.g. "TriviaQA"
    prompt: str
    context: str | None
    options: tuple[str, ...]
    target: tuple[Any, ...]  # free-form: answer strings; multiple-choice: the index of the right option

    def as_doc(self) -> dict[str, Any]:
        """The document lm_eval sees (Arrow-friendly: lists of strings, the target as JSON)."""
        return {"id": self.id, "part": self.part, "benchmark_name": self.benchmark, "prompt": self.prompt,
                "context": self.context or "", "options": list(self.options),
                "target": json.dumps(list(self.target), ensure_ascii=False)}


def item_from_doc(doc: dict[str, Any]) -> Item:
    target = doc["target"]
    return Item(str(doc["id"]), doc["part"], doc["benchmark_name"], doc["prompt"], doc.get("context") or None,
                tuple(doc.get("options") or ()), tuple(json.loads(target) if isinstance(target, str) else target))


def _offline_message(benchmark: str, reason: str) -> str:
    return (f"Could not load {benchmark} from the Hugging Face hub dataset '{HUB_ID}' ({reason}). If this machine is "
            f"offline, point the tasks at a local copy in MixEval's own layout (the folder that holds "
            f"mixeval-{DEFAULT_VERSION}/{FOLDERS[benchmark]}/free-form.json, i.e. MixEval's mix_eval/data/): set "
            f"{DATA_DIR_ENV}=DIR, or pass --metadata '{{\"mixeval_data_dir\": \"DIR\"}}' to lm_eval.")


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    return local_data_dir(data_dir, DATA_DIR_ENV, "mixeval_data_dir", MixEvalDataUnavailable, "MixEval",
                          "; it should be MixEval's data folder, holding mixeval-<version>/mixeval-hard/free-form.json.")


def _coerce(raw: dict[str, Any], item_id: str, part: str, where: str) -> Item:
    try:
        options = tuple(str(o) for o in (raw.get("options") or ()))
        target = raw["target"]
        target = tuple(target) if isinstance(target, (list, tuple)) else (target,)
        if part == "multichoice" and (len(target) != 1 or not isinstance(target[0], int)
                                      or not 0 <= target[0] < len(options)):
            raise ValueError(f"target {target!r} is not the index of one of its {len(options)} options")
        context = raw.get("context")
        context = None if context is None else str(context)  # "none", "" etc. are told apart when rendering
        return Item(item_id, part, str(raw["benchmark_name"]), str(raw["prompt"]), context, options, target)
    except (KeyError, TypeError, ValueError) as err:
        raise MixEvalDataUnavailable(f"{where}: item {item_id!r} is not a MixEval item ({err})") from None


def _read_local(root: Path, benchmark: str, version: str, part: str) -> list[Item]:
    path = root / f"mixeval-{version}" / FOLDERS[benchmark] / PARTS[part][0]
    if not path.is_file():
        have = sorted(p.name for p in root.glob("mixeval-*")) or ["nothing named mixeval-<version>"]
        raise MixEvalDataUnavailable(f"{path} is missing: {root} is not MixEval's data folder for version {version} "
                                     f"(it has {', '.join(have)}; choose one with --metadata "
                                     f"'{{\"mixeval_version\": \"...\"}}')")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise MixEvalDataUnavailable(f"{path}: cannot read it as JSON ({err})") from None
    if not isinstance(raw, dict):
        raise MixEvalDataUnavailable(f"{path}: expected a JSON object keyed by item id, as MixEval writes it")
    return [_coerce(value, str(key), part, str(path)) for key, value in raw.items()]


def _read_hub(benchmark: str, part: str, revision: str | None) -> list[Item]:
    import datasets

    try:
        split = datasets.load_dataset(HUB_ID, HUB_CONFIGS[benchmark], split=PARTS[part][1], revision=revision)
    except Exception as err:  # datasets raises many types when offline; all mean the same to the user
        raise MixEvalDataUnavailable(_offline_message(benchmark, f"{type(err).__name__}: {err}")) from None
    return [_coerce(row, str(row.get("id", index)), part, HUB_ID) for index, row in enumerate(split)]


def fingerprint(items: list[Item]) -> str:
    canonical = json.dumps([[i.benchmark, i.context, i.prompt, list(i.options), list(i.target)] for i in items],
                           ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Loaded:
    items: tuple[Item, ...]
    version: str  # the version read (a hub load is checked against it)
    source: str  # the file or the hub id and revision


@lru_cache(maxsize=16)
def _load(benchmark: str, part: str, data_dir: str | None, version: str, revision: str | None) -> Loaded:
    if data_dir is not None:
        root = Path(data_dir)
        items = _read_local(root, benchmark, version, part)
        return Loaded(tuple(items), version, str(root / f"mixeval-{version}" / FOLDERS[benchmark] / PARTS[part][0]))
    items = _read_hub(benchmark, part, revision)
    known = KNOWN_FINGERPRINTS.get(fingerprint(items))
    got = known[1] if known and known[0] == benchmark and known[2] == part else None
    source = f"{HUB_ID} ({HUB_CONFIGS[benchmark]}, revision {revision or 'main'})"
    if got != version:
        # The hub is updated in place: pin by content, never score one version under another's name.
        held = f"version {got}" if got else "items that match no MixEval version this plugin knows"
        raise MixEvalDataUnavailable(f"{source} holds {held}, not {version}: pass --metadata "
                                     f"'{{\"mixeval_revision\": \"<a hub commit with {version}>\"}}'"
                                     + (f" or '{{\"mixeval_version\": \"{got}\"}}'" if got else "")
                                     + f", or use a local copy ({DATA_DIR_ENV})")
    return Loaded(tuple(items), version, source)


def load(benchmark: str, part: str, data_dir: str | os.PathLike | None = None, version: str | None = None,
         revision: str | None = None) -> Loaded:
    """The items of one part ("freeform", "multichoice") of "mixeval" or "mixeval_hard", in file order."""
    if benchmark not in FOLDERS or part not in PARTS:
        raise ValueError(f"unknown MixEval benchmark/part {benchmark!r}/{part!r}")
    version = version or DEFAULT_VERSION
    local = resolve_data_dir(data_dir)
    return _load(benchmark, part, str(local) if local else None, version, revision)


# fingerprint() of each part MixEval has published (its repository's mix_eval/data/, commit 7c52b41) → (benchmark,
# version, part); a hub load that matches none, or another version than asked, is refused (the hub is updated in
# place, so a load from it is identified by content, not by revision).
KNOWN_FINGERPRINTS: dict[str, tuple[str, str, str]] = {
    "600763bbe9bd7b7dde3edbf3c44202deece8ed1b50a7b5023fa02384fd95a3fc": ("mixeval_hard", "2024-06-01", "freeform"),
    "281a16956eb1e789ddc633977b5d5651fce4d4d381498351e8718ce35952fe83": ("mixeval_hard", "2024-06-01", "multichoice"),
    "adb19408edf29dc09c0a4d6867da0ee95733223db8656c76e4f2073e45ee892d": ("mixeval_hard", "2024-08-11", "freeform"),
    "07159f0681407b9225a321f008e585184bab7ba27859fce5648d3067bca717b6": ("mixeval_hard", "2024-08-11", "multichoice"),
    "bb2cc6d563c1db76dff3f09287e5a541a43970664781a87ee487172ee72c8c91": ("mixeval", "2024-06-01", "freeform"),
    "3042163e0fec616cbf9ea19319dd7c934dc58622d85fca8cf3aa2dfc48cce744": ("mixeval", "2024-06-01", "multichoice"),
}
