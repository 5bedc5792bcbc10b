"""`deccp paired`'s output: the analyses as terminal-aligned markdown tables, or as one JSON document."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

from lm_eval_deccp.labels import ANSWERED, DEFLECTED, REFUSED
from lm_eval_deccp.reporting.paired.analysis import ModelAnalysis
from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, Gap, Rate
from lm_eval_deccp.reporting.paired.breakdowns import QuestionRow, TopicRow
from lm_eval_deccp.reporting.paired.comparisons import ComparisonResult
from lm_eval_deccp.reporting.paired.rerolls import RerollSummary
from lm_eval_deccp.registry import display_name
from lm_eval_deccp.reporting.paired.tasks import COMPARISONS, REROLL_TASKS, SUITE_TASKS

_LEGEND = ("censored = refused or deflected; unusable = no judgeable answer (empty, degenerate, or cut off while "
           "thinking), its own outcome: a pair with an unusable side is no flip. Rates are over matched questions "
           "(same pair_id); [low, high] is a {confidence:.0%} percentile bootstrap interval resampling questions "
           "({iterations} resamples, seed {seed}); gaps are in percentage points and paired by question.")
_MEASURE_NAMES = {"censorship_rate": "censored", "refusal_rate": "refused", "deflection_rate": "deflected",
                  "unusable_rate": "unusable", "answer_rate": "answered"}


def render(analyses: Sequence[ModelAnalysis], settings: BootstrapSettings, as_json: bool = False,
           by_topic: bool = False, per_question: bool = False) -> str:
    """What `deccp paired` prints: the JSON document (which holds every table), or the text report."""
    if as_json:
        return json.dumps(json_document(analyses, settings), ensure_ascii=False, indent=2)
    return render_text(analyses, settings, by_topic=by_topic, per_question=per_question)


def json_document(analyses: Sequence[ModelAnalysis], settings: BootstrapSettings) -> dict[str, Any]:
    return {
        "settings": {"confidence": settings.confidence, "bootstrap_iterations": settings.iterations,
                     "seed": settings.seed, "censored_labels": [REFUSED, DEFLECTED],
                     "gap": "test - baseline, paired by pair_id"},
        "models": [analysis.to_json() for analysis in analyses],
    }


# ---- text ----

def render_text(analyses: Sequence[ModelAnalysis], settings: BootstrapSettings, by_topic: bool = False,
                per_question: bool = False) -> str:
    blocks = [_LEGEND.format(confidence=settings.confidence, iterations=settings.iterations, seed=settings.seed)]
    for analysis in analyses:
        blocks.append(render_model(analysis, by_topic, per_question))
    return "\n\n".join(blocks)


def render_model(analysis: ModelAnalysis, by_topic: bool, per_question: bool) -> str:
    blocks = [f"# {analysis.model}\n" + render_sources(analysis.sources)]
    blocks += [f"note: {note}" for note in analysis.notes]
    blocks += [render_comparison(result) for result in analysis.comparisons]
    if analysis.skipped:
        blocks.append("\n".join(f"skipped {key}: {why}" for key, why in analysis.skipped))
    if by_topic and analysis.topics:
        blocks.append(render_topic_rates(analysis.topics))
        blocks.append(render_topic_gaps(analysis.topics))
    if per_question and analysis.questions:
        blocks.append(render_questions(analysis.questions))
    for summary in analysis.rerolls:
        blocks.append(render_rerolls(summary, per_question))
    if analysis.reroll_gap is not None:
        blocks.append(render_reroll_gap(*analysis.reroll_gap))
    return "\n\n".join(blocks)


def render_sources(sources: dict[str, dict[str, str]]) -> str:
    by_file: dict[str, list[str]] = {}
    for task, paths in sources.items():
        by_file.setdefault(paths["results"], []).append(task)
    return "\n".join(f"read {path}: {', '.join(tasks)}" for path, tasks in by_file.items())


def render_comparison(result: ComparisonResult) -> str:
    c = result.comparison
    lines = [f"## {c.title}: {c.test_name} vs {c.baseline_name}, {result.n_pairs} matched questions"]
    if result.n_pairs == 0:
        lines.append("No question appears in both tasks (pair_ids differ; were both run with the same --limit?).")
        return "\n".join(lines)
    lines.append(format_table(["rate", c.baseline_name, c.test_name, f"{c.test_name} − {c.baseline_name}"],
                              gap_rows(result.gaps, lambda m: _MEASURE_NAMES[m])))
    lines.append("")
    unusable = (f" {result.with_unusable} pair(s) with an unusable side are not counted." if result.with_unusable
                else "")
    lines.append(
        f"Flips (censored on one side, answered on the other): {result.only_test + result.only_baseline} of "
        f"{result.judged_pairs} judged pairs ({fmt_pct(result.flip_share)}): {result.only_test} censored only in "
        f"{c.test_name}, {result.only_baseline} only in {c.baseline_name}. Censored in both: {result.both}, "
        f"answered in both: {result.neither}.{unusable} McNemar exact p = {fmt_p(result.mcnemar_p)}.")
    lines.append("")
    lines.append(f"Verdicts, {c.baseline_name} (rows) by {c.test_name} (columns):")
    labels = list(result.transitions)
    lines.append(format_table([f"{c.baseline_name} \\ {c.test_name}", *labels],
                              [[base, *(str(result.transitions[base][t]) for t in labels)] for base in labels]))
    unmatched = {task: ids for task, ids in result.unmatched.items() if ids}
    if unmatched:
        lines.append("")
        lines.append("Not compared (no partner): " + "; ".join(
            f"{len(ids)} only in {task}" for task, ids in unmatched.items()))
    return "\n".join(lines)


def gap_rows(gaps: dict[str, Gap], name_of) -> list[list[str]]:
    """A table row per measure: its name, the baseline rate, the test rate, and the gap."""
    return [[name_of(m), fmt_rate(gap.baseline), fmt_rate(gap.test), fmt_gap(gap.gap)] for m, gap in gaps.items()]


def render_topic_rates(rows: Sequence[TopicRow]) -> str:
    tasks = [t for t in SUITE_TASKS if any(t in row.n for row in rows)]
    table = []
    for row in rows:
        n = max(row.n.values(), default=0)
        cells = [row.topic, str(n)]
        for task in tasks:
            rate = row.rates[task]["censorship_rate"]
            cells.append(fmt_pct(rate) + ("" if row.n[task] == n else f" (n={row.n[task]})"))
        table.append(cells)
    return "## Censorship rate by topic\n" + format_table(
        ["topic", "n", *(display_name(t) for t in tasks)], table)


def render_topic_gaps(rows: Sequence[TopicRow]) -> str:
    keys = [c for c in COMPARISONS if any(c.key in row.gaps for row in rows)]
    if not keys:
        return "## Censorship gap by topic\nNo comparison has both of its tasks in the given runs."
    table = []
    for row in rows:
        cells = [row.topic]
        for c in keys:
            result = row.gaps.get(c.key)
            if result is None or result.n_pairs == 0:
                cells.append("-")
            else:
                cells.append(f"{fmt_gap(result.gaps['censorship_rate'].gap)} "
                             f"({result.only_test}↑ {result.only_baseline}↓)")
        table.append(cells)
    return ("## Censorship gap by topic (percentage points; ↑ questions censored only on the first side, "
            "↓ only on the second)\n"
            + format_table(["topic", *(f"{c.test_name} − {c.baseline_name}" for c in keys)], table))


def render_questions(rows: Sequence[QuestionRow]) -> str:
    tasks = [t for t in (*SUITE_TASKS, *REROLL_TASKS) if any(t in row.labels for row in rows)]
    table = [[row.pair_id, row.topic, row.form, *(fmt_label(row.labels.get(t)) for t in tasks),
              ", ".join(row.flips)] for row in rows]
    return ("## Per question (censored verdicts in capitals; flips: \"ZH>EN\" = censored in ZH, answered in EN)\n"
            + format_table(["pair_id", "topic", "form", *(display_name(t) for t in tasks), "flips"], table))


def render_rerolls(summary: RerollSummary, per_question: bool) -> str:
    low, high = summary.samples_per_question
    samples = f"{low}" if low == high else f"{low}–{high}"
    lines = [f"## Re-rolls: {summary.task}, {summary.n_questions} questions, {samples} samples each"]
    lines.append(format_table(["per-question probability", "mean over questions"],
                              [[f"P({_MEASURE_NAMES[m]})", fmt_rate(rate)] for m, rate in summary.rates.items()]))
    sometimes = summary.n_questions - summary.always_censored - summary.never_censored
    lines.append("")
    lines.append(
        f"Verdict flips between samples: {fmt_rate(summary.label_flip_share)} of questions got more than one label; "
        f"{fmt_rate(summary.censorship_flip_share)} were censored in some samples and answered in others. "
        f"Always censored: {summary.always_censored}, never: {summary.never_censored}, sometimes: {sometimes}.")
    if per_question:
        lines.append("")
        lines.append(render_reroll_questions(summary))
    return "\n".join(lines)


def render_reroll_questions(summary: RerollSummary) -> str:
    return format_table(
        ["pair_id", "topic", "samples", "P(refused)", "P(deflected)", "P(unusable)", "P(answered)", "flips"],
        [[q.pair_id, q.topic, str(q.n_samples), fmt_pct(q.p["refusal_rate"]), fmt_pct(q.p["deflection_rate"]),
          fmt_pct(q.p["unusable_rate"]), fmt_pct(q.p["answer_rate"]),
          "censored/answered" if q.censorship_flips else ("label" if q.label_flips else "")]
         for q in summary.questions])


def render_reroll_gap(n_pairs: int, gaps: dict[str, Gap]) -> str:
    return (f"## Re-rolls, Chinese vs English: {n_pairs} matched questions (mean per-question probability)\n"
            + format_table(["probability", "EN", "ZH", "ZH − EN"],
                           gap_rows(gaps, lambda m: f"P({_MEASURE_NAMES[m]})")))


# ---- formatting ----

def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown-style table padded to line up in a terminal."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells):
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def fmt_pct(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def fmt_rate(rate: Rate) -> str:
    if math.isnan(rate.value):
        return "-"
    return f"{fmt_pct(rate.value)} [{100 * rate.ci.low:.1f}, {100 * rate.ci.high:.1f}]"


def fmt_gap(rate: Rate) -> str:
    if math.isnan(rate.value):
        return "-"
    return f"{100 * rate.value:+.1f} [{100 * rate.ci.low:+.1f}, {100 * rate.ci.high:+.1f}]"


def fmt_p(p: float) -> str:
    return f"{p:.3g}" if p >= 0.001 else f"{p:.1e}"


def fmt_label(label: str | None) -> str:
    if label is None:
        return "-"
    return label if label == ANSWERED else label.upper()
