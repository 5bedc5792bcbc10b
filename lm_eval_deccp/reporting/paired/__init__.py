"""Paired statistics over deccp-plus runs: language, script and China-vs-control comparisons per question, per-topic
rates, and re-roll summaries.

Every deccp-plus variant asks the same question (same `pair_id`) in another language or script, or asks its matched
non-China control. Comparing the variants question by question removes the difference between question sets from
the comparison, so the only thing that changes is language, script or subject. That is why the tests here are
paired: McNemar's exact test on the discordant questions, and bootstrap intervals that resample questions, not
responses.

One module per role, each importing only those above it:
- `tasks`: which tasks are read and the comparisons between them (from the task registry);
- `verdicts`: one question's labels (`QuestionVerdicts`) and how two matched questions compare;
- `reading`: lm_eval samples files -> verdicts per task, grouped by model (the only module that reads files);
- `bootstrap`: rates and paired gaps with bootstrap intervals;
- `comparisons`: one comparison's counts, McNemar test, flips and gaps;
- `breakdowns`: the per-topic and per-question tables; `rerolls`: the re-roll summaries;
- `analysis`: everything for one model; `rendering`: `deccp paired`'s text and JSON output.

The names other modules use are importable from here."""

from lm_eval_deccp.reporting.paired.analysis import ModelAnalysis, analyse
from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, Gap, Interval, Rate, paired_gap, rate_of
from lm_eval_deccp.reporting.paired.breakdowns import QuestionRow, TopicRow, question_rows, topic_table
from lm_eval_deccp.reporting.paired.comparisons import ComparisonResult, Flip, compare
from lm_eval_deccp.reporting.paired.reading import ModelVerdicts, load_model_verdicts, question_verdicts
from lm_eval_deccp.reporting.paired.rerolls import RerollSummary, reroll_language_gap, reroll_summary
from lm_eval_deccp.reporting.paired.tasks import COMPARISONS, REROLL_TASKS, SUITE_TASKS, Comparison
from lm_eval_deccp.reporting.paired.verdicts import (LABELS, MEASURES, QuestionVerdicts, TaskVerdicts, is_flip,
                                                     matched_pairs)

__all__ = [
    "BootstrapSettings", "COMPARISONS", "Comparison", "ComparisonResult", "Flip", "Gap", "Interval", "LABELS",
    "MEASURES", "ModelAnalysis", "ModelVerdicts", "QuestionRow", "QuestionVerdicts", "REROLL_TASKS", "Rate",
    "RerollSummary", "SUITE_TASKS", "TaskVerdicts", "TopicRow", "analyse", "compare", "is_flip",
    "load_model_verdicts", "matched_pairs", "paired_gap", "question_rows", "question_verdicts", "rate_of",
    "reroll_language_gap", "reroll_summary", "topic_table",
]
