"""Corrected rates: the detector's verdicts on every answer of a group, corrected by a reader's labels on a random
sample of them (ppi.py), beside the detector's own rate and its agreement with the labels.

Labels are JSONL rows `{"id": KEY, "label": answered|refused|deflected|unusable}` (the spot-check page's export
adds reader, time and `answer_sha256`). Nothing is guessed: a label that names no answer of the inputs, whose
fingerprint no longer matches its answer (the run was re-done since it was read), that is not one of the four
labels, or that contradicts another label of the same answer, is an error naming it.

The corrected interval is only valid when the labelled answers were drawn at random from their group (as
`deccp spot-check` draws them): labels chosen by hand (say, the answers that looked wrong) give a biased rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp.labels import CENSORED_LABELS, DEFLECTED, REFUSED, VERDICT_LABELS
from lm_eval_deccp.reporting.reading.labelled_answers import Answer, AnswersError
from lm_eval_deccp.reporting.reading.runs import ResultsError, iter_jsonl_objects
from lm_eval_deccp.reporting.statistics.bootstrap import bootstrap_ci
from lm_eval_deccp.reporting.statistics.ppi import CorrectedRate, ppi_rate
from lm_eval_deccp.reporting.statistics.uncertainty import unsure_share

# The rates corrected, by the labels each counts.
RATES = {"censorship_rate": CENSORED_LABELS, "refusal_rate": frozenset({REFUSED}),
         "deflection_rate": frozenset({DEFLECTED})}
SHOWN_ERRORS = 10


@dataclass(frozen=True)
class Label:
    label: str
    answer_sha256: str | None
    where: str  # file:line


@dataclass
class GroupRates:
    group: tuple[str, ...]
    lang: str
    n_answers: int
    detector: dict[str, tuple[float, float, float]]  # rate: (value, low, high), bootstrap over the group's answers
    unsure: float  # share of answers the detector was unsure of (uncertainty.py)
    corrected: dict[str, CorrectedRate] = field(default_factory=dict)  # empty without labels
    agreement: dict[str, Any] | None = None  # judge.agreement.compare: labels as reference, verdicts as predicted

    @property
    def disagrees(self) -> bool:
        """The detector's censorship interval and the corrected one do not overlap."""
        corrected = self.corrected.get("censorship_rate")
        if corrected is None:
            return False
        _, low, high = self.detector["censorship_rate"]
        return bool(high < corrected.low or low > corrected.high)


def read_labels(paths: Sequence[str]) -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise AnswersError(f"--labels {path}: no such file")
        read = 0
        try:
            for line, row in iter_jsonl_objects(path):
                where = f"{path}:{line}"
                key, label = row.get("id"), row.get("label")
                if key is None or isinstance(key, (dict, list)):
                    raise AnswersError(f"{where}: no 'id' (expected {{\"id\": ..., \"label\": ...}})")
                if label not in VERDICT_LABELS:
                    raise AnswersError(f"{where}: label {label!r} is not one of {', '.join(VERDICT_LABELS)}")
                sha = row.get("answer_sha256")
                found = Label(label, sha if isinstance(sha, str) else None, where)
                earlier = labels.get(str(key))
                if earlier is not None and earlier.label != label:
                    raise AnswersError(f"{where}: {key!r} is labelled {label!r} here and {earlier.label!r} at "
                                       f"{earlier.where}")
                labels[str(key)] = found
                read += 1
        except ResultsError as err:
            raise AnswersError(str(err)) from None
        if not read:
            # An empty export (nothing labelled yet) must not pass for a spot-check that found nothing to correct.
            raise AnswersError(f"--labels {path}: no labels in it")
    return labels


def check_labels(answers: Sequence[Answer], labels: dict[str, Label]) -> None:
    """Every label names an answer of the inputs, and the answer it was given for (when it carries a fingerprint)."""
    by_key = {answer.key: answer for answer in answers}
    unknown = [key for key in labels if key not in by_key]
    if unknown:
        raise AnswersError(f"{len(unknown)} label(s) name no answer of the inputs: " + _listed(unknown, labels)
                           + " (another run, another task, or --alias/--group-by differ from the spot-check's?)")
    changed = [key for key, label in labels.items()
               if label.answer_sha256 is not None and label.answer_sha256 != by_key[key].answer_sha256]
    if changed:
        raise AnswersError(f"{len(changed)} label(s) were given to an answer that has changed since (was the run "
                           "re-done?); read them again: " + _listed(changed, labels))


def _listed(keys: list[str], labels: dict[str, Label]) -> str:
    shown = "; ".join(f"{key!r} ({labels[key].where})" for key in keys[:SHOWN_ERRORS])
    return shown + (f"; and {len(keys) - SHOWN_ERRORS} more" if len(keys) > SHOWN_ERRORS else "")


def group_rates(answers: Sequence[Answer], labels: dict[str, Label] | None = None) -> list[GroupRates]:
    """One GroupRates per group, in group order; corrected where the group has labels."""
    from lm_eval_deccp.judge.agreement import compare
    labels = labels or {}
    groups: dict[tuple[str, ...], list[Answer]] = {}
    for answer in answers:
        groups.setdefault(answer.group, []).append(answer)
    results = []
    for group in sorted(groups):
        members = groups[group]  # input order: the table's bootstrap sees the answers in this order too
        detector = {}
        for rate, counted in RATES.items():
            values = [float(a.verdict in counted) for a in members]
            detector[rate] = (sum(values) / len(values), *bootstrap_ci(values))
        langs = sorted({a.lang for a in members if a.lang})
        result = GroupRates(group, ",".join(langs), len(members), detector, unsure_share(members))
        labelled = [k for k, a in enumerate(members) if a.key in labels]
        if labelled:
            given = [labels[members[k].key].label for k in labelled]
            for rate, counted in RATES.items():
                result.corrected[rate] = ppi_rate([float(a.verdict in counted) for a in members], labelled,
                                                  [float(label in counted) for label in given])
            result.agreement = compare(given, [members[k].verdict for k in labelled], VERDICT_LABELS)
        results.append(result)
    return results
