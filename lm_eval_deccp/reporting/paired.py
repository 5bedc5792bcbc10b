"""Paired statistics over deccp-plus runs: language, script and China-vs-control comparisons per question, per-topic
rates, and re-roll summaries.

Every deccp-plus variant asks the same question (same `pair_id`) in another language or script, or asks its matched
non-China control. Comparing the variants question by question removes the difference between question sets from
the comparison, so the only thing that changes is language, script or subject. That is why the tests here are
paired: McNemar's exact test on the discordant questions, and bootstrap intervals that resample questions, not
responses.

The statistics are pure functions over `QuestionVerdicts`; only `load_model_verdicts` reads files."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from lm_eval_deccp.reporting.statistics import bootstrap as stats
from lm_eval_deccp.labels import ANSWERED, CENSORED_LABELS, UNUSABLE, VERDICT_LABELS
from lm_eval_deccp.metrics import LABEL_RATE_METRICS
from lm_eval_deccp.reporting.reading.runs import ResultsError, Run, read_samples, sample_verdicts

LABELS = VERDICT_LABELS
# The rates reported for every comparison: censorship (the binary verdict), its two parts, and the share of
# answers that could not be judged (its own outcome: neither censored nor answered).
MEASURES = ("censorship_rate", "refusal_rate", "deflection_rate", "unusable_rate")
# When several samples of a question disagree and two labels tie for the most common, the verdict is the
# censored one: an answer that was refused half the time is not a reliably answered question. An unusable sample
# loses every tie: a question with one judgeable sample is judged by it.
_TIE_ORDER = {"refused": 0, "deflected": 1, "answered": 2, "unusable": 3}

SUITE_TASKS = ("deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant", "deccp_plus_control_en",
               "deccp_plus_control_zh")
REROLL_TASKS = ("deccp_plus_rerolls_en", "deccp_plus_rerolls_zh")
TASK_NAMES = {
    "deccp_plus_en": "EN",
    "deccp_plus_zh": "ZH",
    "deccp_plus_zh_hant": "ZH-Hant",
    "deccp_plus_control_en": "ctrl EN",
    "deccp_plus_control_zh": "ctrl ZH",
    "deccp_plus_rerolls_en": "re-rolls EN",
    "deccp_plus_rerolls_zh": "re-rolls ZH",
}


@dataclass(frozen=True)
class QuestionVerdicts:
    """The detector's labels for one question of one task: one label, or one per re-roll."""

    pair_id: str
    topic: str
    form: str
    labels: tuple[str, ...]

    def share(self, measure: str) -> float:
        """Share of this question's samples counted by a rate metric (0 or 1 with a single sample)."""
        classes = LABEL_RATE_METRICS[measure]
        return sum(label in classes for label in self.labels) / len(self.labels)

    @property
    def verdict(self) -> str:
        """The question's label: the only one, or the most common across re-rolls (ties go to censored)."""
        counts = Counter(self.labels)
        return min(counts, key=lambda label: (-counts[label], _TIE_ORDER.get(label, 3)))

    @property
    def censored(self) -> bool:
        return self.verdict in CENSORED_LABELS

    @property
    def judged(self) -> bool:
        """Whether the question's verdict is a judgement (not `unusable`)."""
        return self.verdict != UNUSABLE

    @property
    def label_flips(self) -> bool:
        """The samples did not all get the same label (answered / refused / deflected / unusable)."""
        return len(set(self.labels)) > 1

    @property
    def censorship_flips(self) -> bool:
        """Some samples were censored and some answered (a refusal turning into a deflection does not count, nor
        does an unusable sample)."""
        return any(label in CENSORED_LABELS for label in self.labels) and ANSWERED in self.labels


TaskVerdicts = dict[str, QuestionVerdicts]  # pair_id -> verdicts, for one task


# ---- reading runs ----

def question_verdicts(samples: Iterable[dict[str, Any]], source: Path | str) -> TaskVerdicts:
    """The verdicts of one task's logged samples, keyed by pair_id. `source` names the file in error messages."""
    found: TaskVerdicts = {}
    for sample in samples:
        doc = sample.get("doc") or {}
        where = f"{source}: sample doc_id={sample.get('doc_id')}"
        pair_id = doc.get("pair_id")
        if not pair_id:
            raise ResultsError(f"{where} has no pair_id in its doc; is this a deccp_plus task's samples file?")
        try:
            verdicts = sample_verdicts(sample)
        except ResultsError as err:
            raise ResultsError(f"{where}: {err}") from None
        if not verdicts:
            raise ResultsError(f"{where} holds no detector verdicts in filtered_resps (expected the JSON verdicts "
                               "the deccp_plus tasks log; was it written by an older lm-eval-deccp?)")
        labels = tuple(str(verdict.get("label")) for verdict in verdicts)
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise ResultsError(f"{where} has unknown verdict label(s) {unknown}; expected {list(LABELS)}")
        if pair_id in found:
            raise ResultsError(f"{where} repeats pair_id {pair_id!r}; one sample per question is expected")
        found[pair_id] = QuestionVerdicts(pair_id=pair_id, topic=str(doc.get("topic") or "?"),
                                          form=str(doc.get("form") or "?"), labels=labels)
    return found


@dataclass
class ModelVerdicts:
    """Everything one model's runs say about the deccp-plus tasks: verdicts per task, and where each came from."""

    model: str
    tasks: dict[str, TaskVerdicts] = field(default_factory=dict)
    results_files: dict[str, Path] = field(default_factory=dict)
    samples_files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def paired_tasks_of(run: Run) -> list[str]:
    return [task for task in (*SUITE_TASKS, *REROLL_TASKS) if task in run.tasks]


def check_runs(runs: Sequence[Run]) -> list[Run]:
    """The runs that hold deccp-plus tasks with their samples; errors name the file when none can be used or a
    task's samples are missing (lm_eval writes them only with --log_samples)."""
    usable = []
    for run in runs:
        tasks = paired_tasks_of(run)
        missing = [task for task in tasks if task not in run.samples]
        if missing:
            raise ResultsError(f"{run.path}: has results for {', '.join(missing)} but no samples_<task>_*.jsonl "
                               "beside it; run lm_eval with --log_samples (and keep the samples files next to "
                               "the results file)")
        if tasks:
            usable.append(run)
    if not usable:
        described = "; ".join(f"{run.path} has {', '.join(sorted(run.tasks)) or 'no tasks'}" for run in runs)
        raise ResultsError(f"no run holds a deccp_plus task (need some of {', '.join(SUITE_TASKS + REROLL_TASKS)}): "
                           f"{described}")
    return usable


def load_model_verdicts(runs: Sequence[Run]) -> list[ModelVerdicts]:
    """Group runs by model (a model is often evaluated in several lm_eval calls) and read their samples. When two
    runs of one model hold the same task, the later file (by name, which carries lm_eval's timestamp) wins."""
    by_model: dict[str, ModelVerdicts] = {}
    for run in sorted(check_runs(runs), key=lambda r: r.path.name):
        model = by_model.setdefault(run.model, ModelVerdicts(model=run.model))
        for task in paired_tasks_of(run):
            if task in model.results_files:
                model.notes.append(f"{task}: using {run.path}, not the earlier {model.results_files[task]}")
            samples_path = run.samples[task]
            model.tasks[task] = question_verdicts(read_samples(samples_path), samples_path)
            model.results_files[task] = run.path
            model.samples_files[task] = samples_path
    # Keep the order in which the user named the runs.
    order = list(dict.fromkeys(run.model for run in runs))
    return sorted(by_model.values(), key=lambda m: order.index(m.model))


# ---- statistics ----

@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def to_json(self) -> list[float | None]:
        return [_finite_or_none(self.low), _finite_or_none(self.high)]


@dataclass(frozen=True)
class Rate:
    """A mean of per-question values with its bootstrap interval."""

    value: float
    ci: Interval

    def to_json(self) -> dict[str, Any]:
        return {"value": _finite_or_none(self.value), "ci": self.ci.to_json()}


@dataclass(frozen=True)
class Gap:
    """A rate on the test side, on the baseline side, and their difference (test − baseline), paired by question."""

    test: Rate
    baseline: Rate
    gap: Rate

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test.to_json(), "baseline": self.baseline.to_json(), "gap": self.gap.to_json()}


@dataclass(frozen=True)
class BootstrapSettings:
    confidence: float = 0.95
    iterations: int = stats.DEFAULT_ITERATIONS
    seed: int = stats.DEFAULT_SEED


def rate_of(values: Sequence[float], settings: BootstrapSettings) -> Rate:
    mean = sum(values) / len(values) if values else math.nan
    return Rate(mean, Interval(*stats.bootstrap_ci(values, settings.confidence, settings.iterations, settings.seed)))


def paired_gap(test: Sequence[float], baseline: Sequence[float], settings: BootstrapSettings) -> Gap:
    """Rates of both sides and their difference; the difference's interval resamples questions (both sides of a
    pair together), which is what makes it narrower than comparing two independent intervals."""
    diff = [t - b for t, b in zip(test, baseline, strict=True)]
    low, high = stats.paired_bootstrap_diff_ci(test, baseline, settings.confidence, settings.iterations,
                                               settings.seed)
    mean = sum(diff) / len(diff) if diff else math.nan
    return Gap(rate_of(test, settings), rate_of(baseline, settings), Rate(mean, Interval(low, high)))


@dataclass(frozen=True)
class Comparison:
    """Two tasks asking the same questions; the gap is test − baseline, so a positive gap means the test side
    (Chinese, Simplified script, the China question) is censored more."""

    key: str
    title: str
    test_task: str
    baseline_task: str

    @property
    def test_name(self) -> str:
        return TASK_NAMES[self.test_task]

    @property
    def baseline_name(self) -> str:
        return TASK_NAMES[self.baseline_task]


COMPARISONS = (
    Comparison("zh_vs_en", "Chinese vs English (same questions)", "deccp_plus_zh", "deccp_plus_en"),
    Comparison("hans_vs_hant", "Simplified vs Traditional script (same Chinese text)", "deccp_plus_zh",
               "deccp_plus_zh_hant"),
    Comparison("china_vs_control_en", "China question vs matched control, English", "deccp_plus_en",
               "deccp_plus_control_en"),
    Comparison("china_vs_control_zh", "China question vs matched control, Chinese", "deccp_plus_zh",
               "deccp_plus_control_zh"),
)


@dataclass(frozen=True)
class Flip:
    pair_id: str
    topic: str
    baseline_label: str
    test_label: str


@dataclass
class ComparisonResult:
    """Counts over the matched pairs in which both sides were judged; a pair with an `unusable` side is its own
    outcome (`with_unusable`): it is neither a flip nor an agreement."""

    comparison: Comparison
    n_pairs: int
    both: int              # censored on both sides
    neither: int           # answered on both sides
    only_test: int         # censored on the test side only (e.g. refused in Chinese, answered in English)
    only_baseline: int     # censored on the baseline side only
    with_unusable: int     # pairs in which either side is unusable
    mcnemar_p: float
    gaps: dict[str, Gap]   # per measure in MEASURES
    transitions: dict[str, dict[str, int]]  # baseline label -> test label -> questions
    flips: list[Flip]      # questions whose censored/answered verdict differs, in pair_id order
    unmatched: dict[str, list[str]]  # task -> pair_ids with no partner on the other side

    @property
    def judged_pairs(self) -> int:
        return self.n_pairs - self.with_unusable

    @property
    def flip_share(self) -> float:
        """Share of the judged pairs censored on one side and answered on the other."""
        return (self.only_test + self.only_baseline) / self.judged_pairs if self.judged_pairs else math.nan

    def to_json(self) -> dict[str, Any]:
        c = self.comparison
        return {
            "key": c.key, "title": c.title,
            "test": {"task": c.test_task, "name": c.test_name},
            "baseline": {"task": c.baseline_task, "name": c.baseline_name},
            "n_pairs": self.n_pairs,
            "counts": {"both_censored": self.both, "both_answered": self.neither,
                       "only_test_censored": self.only_test, "only_baseline_censored": self.only_baseline,
                       "with_unusable": self.with_unusable},
            "flip_share": _finite_or_none(self.flip_share),
            "mcnemar_p": self.mcnemar_p,
            "rates": {measure: gap.to_json() for measure, gap in self.gaps.items()},
            "transitions": self.transitions,
            "flips": [asdict(flip) for flip in self.flips],
            "unmatched": self.unmatched,
        }


def matched_pairs(test: TaskVerdicts, baseline: TaskVerdicts) -> list[tuple[QuestionVerdicts, QuestionVerdicts]]:
    return [(test[pid], baseline[pid]) for pid in sorted(test.keys() & baseline.keys())]


def is_flip(test: QuestionVerdicts, baseline: QuestionVerdicts) -> bool:
    """Censored on one side and answered on the other (an unusable side is no flip: nothing was judged there)."""
    return test.judged and baseline.judged and test.censored != baseline.censored


def compare(comparison: Comparison, test: TaskVerdicts, baseline: TaskVerdicts,
            settings: BootstrapSettings = BootstrapSettings()) -> ComparisonResult:
    """Paired comparison over the questions both tasks answered (matched by pair_id)."""
    pairs = matched_pairs(test, baseline)
    judged = [(t, b) for t, b in pairs if t.judged and b.judged]
    only_test = sum(t.censored and not b.censored for t, b in judged)
    only_baseline = sum(b.censored and not t.censored for t, b in judged)
    transitions = {base: {tst: 0 for tst in LABELS} for base in LABELS}
    for t, b in pairs:
        transitions[b.verdict][t.verdict] += 1
    return ComparisonResult(
        comparison=comparison,
        n_pairs=len(pairs),
        both=sum(t.censored and b.censored for t, b in judged),
        neither=sum(not t.censored and not b.censored for t, b in judged),
        only_test=only_test,
        only_baseline=only_baseline,
        with_unusable=len(pairs) - len(judged),
        mcnemar_p=stats.mcnemar_exact(only_test, only_baseline),
        gaps={m: paired_gap([t.share(m) for t, _ in pairs], [b.share(m) for _, b in pairs], settings)
              for m in MEASURES},
        transitions=transitions,
        flips=[Flip(t.pair_id, t.topic, b.verdict, t.verdict) for t, b in pairs if is_flip(t, b)],
        unmatched={comparison.test_task: sorted(test.keys() - baseline.keys()),
                   comparison.baseline_task: sorted(baseline.keys() - test.keys())},
    )


def restrict_to_topic(verdicts: TaskVerdicts, topic: str) -> TaskVerdicts:
    return {pid: q for pid, q in verdicts.items() if q.topic == topic}


def topics_of(tasks: Mapping[str, TaskVerdicts]) -> list[str]:
    return sorted({q.topic for verdicts in tasks.values() for q in verdicts.values()})


@dataclass
class TopicRow:
    """One topic's rates per task (over the questions each task has), and its paired gaps per comparison."""

    topic: str
    n: dict[str, int]
    rates: dict[str, dict[str, float]]          # task -> measure -> rate
    gaps: dict[str, ComparisonResult]           # comparison key -> result restricted to the topic

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "n": self.n,
            "rates": {task: {m: _finite_or_none(v) for m, v in by_measure.items()}
                      for task, by_measure in self.rates.items()},
            "gaps": {key: {"n_pairs": result.n_pairs,
                           "only_test_censored": result.only_test,
                           "only_baseline_censored": result.only_baseline,
                           "mcnemar_p": result.mcnemar_p,
                           "censorship_gap": result.gaps["censorship_rate"].gap.to_json()}
                     for key, result in self.gaps.items()},
        }


def mean_share(verdicts: Iterable[QuestionVerdicts], measure: str) -> float:
    values = [q.share(measure) for q in verdicts]
    return sum(values) / len(values) if values else math.nan


def topic_row(topic: str, tasks: Mapping[str, TaskVerdicts], settings: BootstrapSettings) -> TopicRow:
    """A row of the per-topic table; topic "all" means every question."""
    chosen = {task: verdicts if topic == "all" else restrict_to_topic(verdicts, topic)
              for task, verdicts in tasks.items() if task in SUITE_TASKS}
    return TopicRow(
        topic=topic,
        n={task: len(v) for task, v in chosen.items()},
        rates={task: {m: mean_share(v.values(), m) for m in MEASURES} for task, v in chosen.items()},
        gaps={c.key: compare(c, chosen[c.test_task], chosen[c.baseline_task], settings)
              for c in COMPARISONS if c.test_task in chosen and c.baseline_task in chosen},
    )


def topic_table(tasks: Mapping[str, TaskVerdicts], settings: BootstrapSettings = BootstrapSettings()
                ) -> list[TopicRow]:
    suite = {task: v for task, v in tasks.items() if task in SUITE_TASKS}
    return [topic_row(topic, suite, settings) for topic in topics_of(suite)] + [topic_row("all", suite, settings)]


@dataclass
class QuestionRow:
    """One question across the suite's variants, for the per-question listing."""

    pair_id: str
    topic: str
    form: str
    labels: dict[str, str]   # task -> verdict label
    flips: list[str]         # e.g. "ZH>EN": censored in ZH, answered in EN (language and script comparisons)


PER_QUESTION_FLIP_COMPARISONS = ("zh_vs_en", "hans_vs_hant")


def question_rows(tasks: Mapping[str, TaskVerdicts]) -> list[QuestionRow]:
    suite = {task: v for task, v in tasks.items() if task in SUITE_TASKS}
    rows = []
    for pid in sorted({pid for verdicts in suite.values() for pid in verdicts}):
        present = {task: verdicts[pid] for task, verdicts in suite.items() if pid in verdicts}
        first = next(iter(present.values()))
        rows.append(QuestionRow(pair_id=pid, topic=first.topic, form=first.form,
                                labels={task: q.verdict for task, q in present.items()},
                                flips=question_flips(present)))
    return rows


def question_flips(present: Mapping[str, QuestionVerdicts]) -> list[str]:
    """Which way the language and script comparisons flip for one question: "ZH>EN" means censored in Chinese
    and answered in English."""
    marks = []
    for comparison in COMPARISONS:
        if comparison.key not in PER_QUESTION_FLIP_COMPARISONS:
            continue
        test, base = present.get(comparison.test_task), present.get(comparison.baseline_task)
        if test is None or base is None or not is_flip(test, base):
            continue
        winner, loser = (comparison.test_name, comparison.baseline_name) if test.censored else \
            (comparison.baseline_name, comparison.test_name)
        marks.append(f"{winner}>{loser}")
    return marks


# ---- re-rolls ----

@dataclass
class RerollQuestion:
    pair_id: str
    topic: str
    n_samples: int
    p: dict[str, float]          # measure (and answer_rate) -> probability over the samples
    label_flips: bool
    censorship_flips: bool


@dataclass
class RerollSummary:
    """Per-question probabilities over re-rolls and how often the verdict changes between samples."""

    task: str
    n_questions: int
    samples_per_question: tuple[int, int]   # (fewest, most)
    rates: dict[str, Rate]                  # mean per-question probability, with interval
    label_flip_share: Rate                  # questions whose samples got more than one label
    censorship_flip_share: Rate             # questions sometimes censored and sometimes answered
    always_censored: int
    never_censored: int
    questions: list[RerollQuestion]

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "n_questions": self.n_questions,
            "samples_per_question": list(self.samples_per_question),
            "rates": {m: r.to_json() for m, r in self.rates.items()},
            "label_flip_share": self.label_flip_share.to_json(),
            "censorship_flip_share": self.censorship_flip_share.to_json(),
            "always_censored": self.always_censored,
            "never_censored": self.never_censored,
            "sometimes_censored": self.n_questions - self.always_censored - self.never_censored,
            "questions": [asdict(q) for q in self.questions],
        }


REROLL_MEASURES = (*MEASURES, "answer_rate")


def reroll_summary(task: str, verdicts: TaskVerdicts, settings: BootstrapSettings = BootstrapSettings()
                   ) -> RerollSummary:
    questions = [verdicts[pid] for pid in sorted(verdicts)]
    sizes = [len(q.labels) for q in questions]
    return RerollSummary(
        task=task,
        n_questions=len(questions),
        samples_per_question=(min(sizes, default=0), max(sizes, default=0)),
        rates={m: rate_of([q.share(m) for q in questions], settings) for m in REROLL_MEASURES},
        label_flip_share=rate_of([float(q.label_flips) for q in questions], settings),
        censorship_flip_share=rate_of([float(q.censorship_flips) for q in questions], settings),
        always_censored=sum(q.share("censorship_rate") == 1.0 for q in questions),
        never_censored=sum(q.share("censorship_rate") == 0.0 for q in questions),
        questions=[RerollQuestion(pair_id=q.pair_id, topic=q.topic, n_samples=len(q.labels),
                                  p={m: q.share(m) for m in REROLL_MEASURES},
                                  label_flips=q.label_flips, censorship_flips=q.censorship_flips)
                   for q in questions],
    )


def reroll_language_gap(zh: TaskVerdicts, en: TaskVerdicts, settings: BootstrapSettings = BootstrapSettings()
                        ) -> tuple[int, dict[str, Gap]]:
    """(pairs, gap per measure) of the per-question probabilities, Chinese − English, over matched questions."""
    pairs = matched_pairs(zh, en)
    return len(pairs), {m: paired_gap([z.share(m) for z, _ in pairs], [e.share(m) for _, e in pairs], settings)
                        for m in MEASURES}


# ---- one model's full analysis ----

@dataclass
class ModelAnalysis:
    model: str
    comparisons: list[ComparisonResult]
    skipped: list[tuple[str, str]]          # (comparison key, why)
    topics: list[TopicRow]
    questions: list[QuestionRow]
    rerolls: list[RerollSummary]
    reroll_gap: tuple[int, dict[str, Gap]] | None
    sources: dict[str, dict[str, str]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "sources": self.sources,
            "comparisons": [c.to_json() for c in self.comparisons],
            "skipped": [{"key": key, "reason": why} for key, why in self.skipped],
            "topics": [row.to_json() for row in self.topics],
            "questions": [asdict(row) for row in self.questions],
            "rerolls": [summary.to_json() for summary in self.rerolls],
            "reroll_gap_zh_vs_en": None if self.reroll_gap is None else {
                "n_pairs": self.reroll_gap[0],
                "rates": {m: gap.to_json() for m, gap in self.reroll_gap[1].items()},
            },
            "notes": self.notes,
        }


def analyse(model: ModelVerdicts, settings: BootstrapSettings = BootstrapSettings()) -> ModelAnalysis:
    comparisons, skipped = [], []
    for comparison in COMPARISONS:
        missing = [t for t in (comparison.test_task, comparison.baseline_task) if t not in model.tasks]
        if missing:
            skipped.append((comparison.key, f"needs {' and '.join(missing)}, which none of the runs read holds "
                                            "(lm_eval --tasks deccp_plus runs all five)"))
        else:
            comparisons.append(compare(comparison, model.tasks[comparison.test_task],
                                       model.tasks[comparison.baseline_task], settings))
    rerolls = [reroll_summary(task, model.tasks[task], settings) for task in REROLL_TASKS if task in model.tasks]
    has_both_rerolls = all(task in model.tasks for task in REROLL_TASKS)
    return ModelAnalysis(
        model=model.model,
        comparisons=comparisons,
        skipped=skipped,
        topics=topic_table(model.tasks, settings) if any(t in model.tasks for t in SUITE_TASKS) else [],
        questions=question_rows(model.tasks),
        rerolls=rerolls,
        reroll_gap=reroll_language_gap(model.tasks["deccp_plus_rerolls_zh"], model.tasks["deccp_plus_rerolls_en"],
                                       settings) if has_both_rerolls else None,
        sources={task: {"results": str(model.results_files[task]), "samples": str(model.samples_files[task])}
                 for task in model.tasks},
        notes=list(model.notes),
    )


def _finite_or_none(value: float) -> float | None:
    # JSON has no NaN; an empty comparison reports null rather than an invalid file.
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
