"""The prompt sets a direction is computed from: China-sensitive questions against what they are contrasted with.

By default the deccp-plus pairs (each China question beside its matched control, EN and Simplified Chinese), split
into train and held-out *pairs* (SPLIT_RULE), so a direction chosen on the train pairs is judged on pairs it never
saw. The canonical deccp split (its censored questions against its uncensored ones) and any two prompt files are the
alternatives; they have no pairing, so their held-out split is every third prompt of each file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lm_eval_deccp.data import suite_documents, suite_records

LANGS = ("en", "zh")
# deccp-plus variant of each language's China questions and controls.
_VARIANTS = {"en": ("en", "control_en"), "zh": ("zh", "control_zh")}
SPLIT_RULE = "within each topic, in file order, every third pair (the 3rd, 6th, 9th) is held out; the rest train"


class PromptError(ValueError):
    """A prompt source that cannot be used; the message says why."""


@dataclass
class PromptSet:
    """Two groups of prompts to contrast ("target" is the behaviour whose direction we want: China-sensitive
    questions, or harmful requests), each split into train and held-out. `pair_ids` align target and contrast
    prompts when they are matched pairs (deccp-plus), else they are None."""

    name: str
    train_target: list[str]
    train_contrast: list[str]
    held_target: list[str]
    held_contrast: list[str]
    held_pair_ids: list[str] | None = None
    description: str = ""
    counts: dict = field(default_factory=dict)

    def __post_init__(self):
        self.counts = {"train_target": len(self.train_target), "train_contrast": len(self.train_contrast),
                       "held_target": len(self.held_target), "held_contrast": len(self.held_contrast)}


def heldout_pair_ids() -> set[str]:
    """The deccp-plus pairs held out of direction-finding and of the censoring demo model's training (SPLIT_RULE)."""
    position: dict[str, int] = {}
    held = set()
    for record in suite_records():
        index = position.get(record["topic"], 0)
        position[record["topic"]] = index + 1
        if index % 3 == 2:
            held.add(record["id"])
    return held


def heldout_indices(variant: str, per_topic: int | None = None) -> list[int]:
    """Document indices of the held-out pairs in a deccp_plus task (for lm_eval --samples); `per_topic` keeps only
    the first N held-out pairs of each topic (a cheaper run)."""
    held = heldout_pair_ids()
    kept, seen = [], {}
    for i, doc in enumerate(suite_documents(variant)):
        if doc["pair_id"] in held and (per_topic is None or seen.get(doc["topic"], 0) < per_topic):
            seen[doc["topic"]] = seen.get(doc["topic"], 0) + 1
            kept.append(i)
    return kept


def deccp_plus_pairs(langs=LANGS) -> PromptSet:
    """China questions against their matched controls, in the given languages, split by pair."""
    held = heldout_pair_ids()
    sets = {"train_target": [], "train_contrast": [], "held_target": [], "held_contrast": []}
    pair_ids = []
    for lang in langs:
        if lang not in _VARIANTS:
            raise PromptError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
        china, control = (suite_documents(v) for v in _VARIANTS[lang])
        for question, contrast in zip(china, control):
            part = "held" if question["pair_id"] in held else "train"
            sets[f"{part}_target"].append(question["question"])
            sets[f"{part}_contrast"].append(contrast["question"])
            if part == "held":
                pair_ids.append(f"{question['pair_id']}:{lang}")
    return PromptSet("deccp-plus", **sets, held_pair_ids=pair_ids,
                     description=f"deccp-plus China questions vs matched controls ({'+'.join(langs)}); {SPLIT_RULE}")


def read_prompt_file(path: str | Path) -> list[str]:
    """One prompt a line (blank lines skipped), or JSONL with a 'prompt', 'question' or 'text' field."""
    import json

    path = Path(path)
    if not path.is_file():
        raise PromptError(f"prompt file '{path}' does not exist")
    prompts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if path.suffix == ".jsonl":
            try:
                row = json.loads(line)
                line = next(row[k] for k in ("prompt", "question", "text") if isinstance(row.get(k), str))
            except (ValueError, StopIteration, AttributeError):
                raise PromptError(f"{path}:{number}: expected a JSON object with a 'prompt', 'question' or "
                                  f"'text' string") from None
        prompts.append(line)
    if len(prompts) < 6:
        raise PromptError(f"prompt file '{path}' has {len(prompts)} prompts; at least 6 are needed "
                          f"(train and held-out)")
    return prompts


def unpaired(name: str, target: list[str], contrast: list[str], description: str, limit: int | None = None
             ) -> PromptSet:
    """Two unmatched prompt lists, every third prompt of each held out; `limit` caps each list (first N), as the
    deccp author drew a sample of the 31,848 harmless instructions rather than all of them."""
    if limit:
        target, contrast = target[:limit], contrast[:limit]
    split = lambda xs, held: [x for i, x in enumerate(xs) if (i % 3 == 2) == held]  # noqa: E731
    return PromptSet(name, split(target, False), split(contrast, False), split(target, True), split(contrast, True),
                     description=f"{description}; every third prompt of each list held out")


def canonical_deccp(data_dir: str | None = None) -> PromptSet:
    """The deccp dataset's censored questions (EN and ZH) against its uncensored (EN) questions."""
    from lm_eval_deccp.data import DeccpDataUnavailable, deccp_documents

    try:
        censored = [d["question"] for s in ("en", "zh") for d in deccp_documents(s, data_dir)]
        control = [d["question"] for d in deccp_documents("control_en", data_dir)]
    except DeccpDataUnavailable as err:
        raise PromptError(str(err)) from None
    return unpaired("deccp", censored, control, "augmxnt/deccp censored vs uncensored questions")
