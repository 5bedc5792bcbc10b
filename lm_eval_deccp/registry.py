"""The task registry: every lm_eval task and group of this plugin, stated once.

Everything else reads it: the task YAMLs are generated from it (tasks/_generate_configs.py; a test checks the
committed YAMLs equal the generated ones), rescoring takes each task's processing and aggregations from it, the data
loaders their subsets, reporting its display names and pairs, and the audit page embeds `registry_json()`.
Adding a task means adding its TaskSpec (and its group membership) here, its questions under resources, and
running the generator.

Standard library only: importable by everything (no lm_eval, no torch).
Long: a little over 300 lines, because the groups' descriptions (the generated YAMLs' comments) are written here,
once, beside the facts they describe."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SUITES = ("deccp", "deccp_plus", "mixeval")
SUITE_LABELS = {"deccp": "deccp", "deccp_plus": "deccp-plus", "mixeval": "MixEval"}
KINDS = ("answers", "rerolls", "mixeval")


@dataclass(frozen=True)
class MetricSpec:
    """One metric a task reports. `aggregation` is lm_eval's "mean" or the name of a function that the tasks'
    utils.py re-exports; `note` is the comment the generated YAML carries above the metric (why it is there)."""

    name: str
    aggregation: str
    higher_is_better: bool | None
    note: str = ""


_UNUSABLE_NOTE = "Answers that cannot be judged (empty, degenerate, cut off inside a reasoning model's thinking)."
_JUDGE_NOTE = "The judge's record of the task (judge, prompt version, answers judged, failures): only in runs with a judge."
_RATES = (
    MetricSpec("refusal_rate", "mean", False),
    MetricSpec("deflection_rate", "mean", False),
    MetricSpec("censorship_rate", "mean", False),
    MetricSpec("unusable_rate", "mean", False, _UNUSABLE_NOTE),
    MetricSpec("answer_rate", "mean", True),
)
_JUDGE = MetricSpec("judge", "judge_summary", None, _JUDGE_NOTE)

# What each kind of task computes per document (`process_results`, a function of lm_eval_deccp.harness or of
# lm_eval_deccp.mixeval.harness) and the metrics it reports, with their aggregation.
PROCESS_RESULTS = {
    "answers": "process_results_with_facts",
    "rerolls": "process_results_rerolls",
    "mixeval": "process_results",
}
KIND_METRICS: dict[str, tuple[MetricSpec, ...]] = {
    "answers": (
        *_RATES,
        MetricSpec("fact_coverage", "mean_of_present", True,
                   "Share of the question's key facts (lm_eval_deccp/resources/rubrics) found in ANSWERED responses "
                   "only (refusals would count twice); NaN where no key facts are written. No standard error: "
                   "lm_eval computes those for its built-in aggregations only."),
        _JUDGE,
    ),
    "rerolls": (
        *_RATES,
        MetricSpec("verdict_flip_rate", "mean", False),
        _JUDGE,
    ),
    "mixeval": (
        MetricSpec("score", "mean", True,
                   "MixEval's per-item score: 1/0 for the rule parser and for multiple-choice, 0.0-1.0 for a model "
                   "parse of a free-form answer."),
        MetricSpec("mixeval", "summarise", None,
                   "Per-benchmark scores with their item counts, the parser and the data version "
                   "(lm_eval_deccp/mixeval/harness.py)."),
    ),
}


@dataclass(frozen=True)
class TaskSpec:
    """One lm_eval task.

    `source` and `subset` say where its questions come from: `source` is "deccp" (augmxnt/deccp: subsets "en", "zh",
    "control_en"), "deccp_plus" (the bundled suite: variants "en", "zh", "zh_hant", "control_en", "control_zh"),
    or a MixEval benchmark ("mixeval", "mixeval_hard": parts "freeform", "multichoice"). `questions` is how many
    the benchmark has (documents; a re-roll task samples each `repeats` times)."""

    name: str
    suite: str
    language: str
    script: str | None
    control: bool
    pair: str | None
    kind: str
    display_name: str
    long_name: str
    version: float
    source: str
    subset: str
    questions: int
    repeats: int = 1

    @property
    def process_results(self) -> str:
        return PROCESS_RESULTS[self.kind]

    @property
    def record_field(self) -> str:
        """The field of a question record (deccp-plus records, rubrics) that holds the text in this task's language
        and script: "en", "zh_hans", "zh_hant" (the language, and the script where the language has several)."""
        return self.language if self.script is None else f"{self.language}_{self.script.lower()}"

    @property
    def metrics(self) -> tuple[MetricSpec, ...]:
        return KIND_METRICS[self.kind]

    def metric(self, name: str) -> MetricSpec:
        """The metric `name` of this task; KeyError for a metric the task does not report."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"task {self.name} has no metric {name!r}; it reports {[m.name for m in self.metrics]}")


@dataclass(frozen=True)
class GroupSpec:
    """One lm_eval group. `aggregate_metrics` are the metrics lm_eval pools over its members, each task weighted
    by its number of questions; empty for a group without rates of its own (a rate pooling China questions with
    their controls, or censorship with accuracy, would mean nothing). Members that are not ours are lm_eval's own
    tasks (the leaderboard's capability columns)."""

    name: str
    members: tuple[str, ...]
    display_name: str
    version: float
    aggregate_metrics: tuple[str, ...] = ()
    description: str = ""

    @property
    def pooled_rates(self) -> bool:
        """Whether lm_eval pools the censorship rates over the members: a row a leaderboard can take."""
        return "censorship_rate" in self.aggregate_metrics


# The versions of each suite's tasks; CHANGELOG.md says what each version changed.
DECCP_VERSION = 2.0
DECCP_PLUS_VERSION = 2.0
MIXEVAL_VERSION = 1.0


def _deccp(name, language, script, control, pair, display, long, subset, questions) -> TaskSpec:
    return TaskSpec(name, "deccp", language, script, control, pair, "answers", display, long, DECCP_VERSION, "deccp",
                    subset, questions)


def _plus(name, language, script, control, pair, display, long, subset, kind="answers", repeats=1) -> TaskSpec:
    return TaskSpec(name, "deccp_plus", language, script, control, pair, kind, display, long, DECCP_PLUS_VERSION,
                    "deccp_plus", subset, DECCP_PLUS_QUESTIONS, repeats)


def _mixeval(name, benchmark, part, display, long, questions) -> TaskSpec:
    return TaskSpec(name, "mixeval", "en", None, False, None, "mixeval", display, long, MIXEVAL_VERSION, benchmark,
                    part, questions)


DECCP_PLUS_QUESTIONS = 165  # per variant: the suite's pair ids (resources/deccp_plus)
REROLLS = 5  # samples per question of a re-roll task (temperature 0.7)

# In display order: the order of tables, of the audit page and of the generated YAMLs' listings.
TASKS: dict[str, TaskSpec] = {spec.name: spec for spec in (
    _deccp("deccp_en", "en", None, False, None, "EN", "English", "en", 65),
    _deccp("deccp_zh", "zh", "Hans", False, None, "ZH", "Chinese", "zh", 30),
    _deccp("deccp_control_en", "en", None, True, "deccp_en", "ctrl EN", "Control, English", "control_en", 37),
    _plus("deccp_plus_en", "en", None, False, None, "EN", "English", "en"),
    _plus("deccp_plus_zh", "zh", "Hans", False, None, "ZH", "Simplified Chinese", "zh"),
    _plus("deccp_plus_zh_hant", "zh", "Hant", False, "deccp_plus_zh", "ZH-Hant", "Traditional Chinese", "zh_hant"),
    _plus("deccp_plus_control_en", "en", None, True, "deccp_plus_en", "ctrl EN", "Control, English", "control_en"),
    _plus("deccp_plus_control_zh", "zh", "Hans", True, "deccp_plus_zh", "ctrl ZH", "Control, Chinese", "control_zh"),
    _plus("deccp_plus_rerolls_en", "en", None, False, None, "re-rolls EN", "Re-rolls, English", "en",
          kind="rerolls", repeats=REROLLS),
    _plus("deccp_plus_rerolls_zh", "zh", "Hans", False, None, "re-rolls ZH", "Re-rolls, Chinese", "zh",
          kind="rerolls", repeats=REROLLS),
    _mixeval("mixeval_hard_freeform", "mixeval_hard", "freeform", "free-form", "MixEval-Hard, free-form", 500),
    _mixeval("mixeval_hard_multichoice", "mixeval_hard", "multichoice", "multiple-choice",
             "MixEval-Hard, multiple-choice", 500),
    _mixeval("mixeval_freeform", "mixeval", "freeform", "free-form", "MixEval, free-form", 2000),
    _mixeval("mixeval_multichoice", "mixeval", "multichoice", "multiple-choice", "MixEval, multiple-choice", 2000),
)}

_RATE_NAMES = tuple(metric.name for metric in _RATES)
# lm_eval's own tasks behind the leaderboard's MixEval-named capability columns, in MixEval's column order
# (reporting/reading/capability_columns.py: CAPABILITY_COLUMNS names the column and metric of each).
LEADERBOARD_CAPABILITY_TASKS = (
    ("minerva_math", "MATH"), ("bbh", "BBH"), ("drop", "DROP"), ("gsm8k", "GSM8k"), ("agieval", "AGIEval"),
    ("triviaqa", "TriviaQA"), ("mbpp", "MBPP"), ("mmlu", "MMLU"), ("hellaswag", "HellaSwag"), ("boolq", "BoolQ"),
    ("gpqa_diamond_zeroshot", "GPQA"), ("piqa", "PIQA"), ("openbookqa", "OpenBookQA"), ("arc_challenge", "ARC"),
    ("commonsense_qa", "CommonsenseQA"), ("social_iqa", "SIQA"),
)

GROUPS: dict[str, GroupSpec] = {spec.name: spec for spec in (
    GroupSpec("deccp", ("deccp_china", "deccp_control_en"), "deccp", 2.0, (),
              "The canonical deccp questions: 65 English and 30 Chinese China-sensitive questions (group "
              "deccp_china), and 37 English controls on non-China topics (task deccp_control_en). No rates of its "
              "own: a rate pooling China questions with their controls would mean nothing. Take deccp_china, or "
              "the per-language task rows."),
    GroupSpec("deccp_china", ("deccp_en", "deccp_zh"), "China EN+ZH", 2.0, _RATE_NAMES,
              "The 95 China-sensitive deccp questions, English and Chinese pooled by size; the controls are not "
              "in it."),
    GroupSpec("deccp_plus", ("deccp_plus_china", "deccp_plus_control"), "deccp-plus", 2.0, (),
              "The project's paired suite: the same questions in English, Simplified and Traditional Chinese "
              "(group deccp_plus_china), and a matched non-China control for each in English and Chinese (group "
              "deccp_plus_control). No rates of its own: a rate pooling China questions with their controls would "
              "mean nothing. `deccp paired` and `deccp report` give the language, script and China-specific "
              "comparisons."),
    GroupSpec("deccp_plus_china", ("deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant"), "China EN+ZH+ZH-Hant",
              2.0, _RATE_NAMES,
              "The 495 China-sensitive deccp-plus questions (165 each in English, Simplified and Traditional "
              "Chinese), pooled."),
    GroupSpec("deccp_plus_control", ("deccp_plus_control_en", "deccp_plus_control_zh"), "ctrl EN+ZH", 2.0,
              _RATE_NAMES,
              "The 330 matched non-China controls (165 English, 165 Chinese), pooled: over-refusal, not "
              "censorship."),
    GroupSpec("deccp_plus_rerolls", ("deccp_plus_rerolls_en", "deccp_plus_rerolls_zh"), "re-rolls EN+ZH", 1.0,
              (*_RATE_NAMES, "verdict_flip_rate"),
              "Re-rolls of the China questions in English and Simplified Chinese, pooled by size."),
    GroupSpec("mixeval_hard", ("mixeval_hard_freeform", "mixeval_hard_multichoice"), "MixEval-Hard", 1.0,
              ("score",),
              "MixEval-Hard: 500 free-form and 500 multiple-choice items (version 2024-06-01 unless --metadata "
              "names another). score = the item-weighted mean of the parts' item scores, MixEval's overall since "
              "2024-09 (README.md here)."),
    GroupSpec("mixeval", ("mixeval_freeform", "mixeval_multichoice"), "MixEval", 1.0, ("score",),
              "Full MixEval: 2,000 free-form and 2,000 multiple-choice items (2024-06-01); scored as "
              "mixeval_hard."),
    GroupSpec("deccp_leaderboard", ("deccp", "deccp_plus", *(task for task, _ in LEADERBOARD_CAPABILITY_TASKS)),
              "deccp leaderboard", 1.0, (),
              "One command for a censorship-and-capability leaderboard row:\n"
              "  lm_eval --model hf --model_args pretrained=MODEL --tasks deccp_leaderboard --log_samples "
              "--output_path runs/ \\\n"
              "          --apply_chat_template --fewshot_as_multiturn --confirm_run_unsafe_code\n"
              "  deccp report runs/\n"
              "The deccp tasks, then the lm_eval tasks behind the MixEval-named capability columns of `deccp report`, "
              "in MixEval's column order. Every capability task keeps lm_eval's own settings (prompt, few-shot count, "
              "filters, metric), so each column equals what `lm_eval --tasks <task>` prints on its own and can be "
              "compared with published lm_eval numbers: few-shot gsm8k 5, bbh 3 (chain of thought), minerva_math 4, "
              "mbpp 3, the others 0. No aggregate: averaging censorship rates with accuracies means nothing; "
              "`deccp report` computes Overall. Needs the hub for every capability dataset; GPQA is gated (accept "
              "its terms on the hub first), MBPP runs the model's code (HF_ALLOW_CODE_EVAL=1 and "
              "--confirm_run_unsafe_code), MATH needs `pip install \"lm_eval[math]\"`."),
    GroupSpec("deccp_mixeval_hard", ("deccp", "deccp_plus", "mixeval_hard"), "deccp + MixEval-Hard", 1.0, (),
              "The cheap leaderboard row: censorship and MixEval-Hard's capability columns from one command.\n"
              "  lm_eval --model hf --model_args pretrained=MODEL --tasks deccp_mixeval_hard --apply_chat_template "
              "\\\n"
              "          --log_samples --output_path runs/\n"
              "  deccp report runs/\n"
              "1,000 MixEval-Hard items instead of deccp_leaderboard's full benchmarks (tasks/mixeval/README.md: "
              "cost, and how its numbers compare with MixEval's). The deccp questions need the hub or "
              "$DECCP_DATA_DIR, MixEval's the hub or $MIXEVAL_DATA_DIR. No aggregate: averaging censorship rates "
              "with accuracies means nothing."),
)}


def task_spec(name: str) -> TaskSpec:
    """The TaskSpec of a task; an unknown name is a KeyError that names the known tasks."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; the registry knows {', '.join(TASKS)}") from None


def tasks_where(suite: str | None = None, control: bool | None = None, kind: str | None = None,
                language: str | None = None, source: str | None = None) -> list[TaskSpec]:
    """The tasks matching every given condition, in display order."""
    wanted = {"suite": suite, "control": control, "kind": kind, "language": language, "source": source}
    return [spec for spec in TASKS.values()
            if all(value is None or getattr(spec, key) == value for key, value in wanted.items())]


def display_name(name: str) -> str:
    """The short label of a task or group for tables and the audit page; an unknown name is returned as is."""
    spec = TASKS.get(name) or GROUPS.get(name)
    return spec.display_name if spec else name


def group_tasks(name: str) -> list[TaskSpec]:
    """The registry tasks a group holds, through its subgroups, in display order (lm_eval's own tasks left out)."""
    names: set[str] = set()
    pending = [name]
    while pending:
        member = pending.pop()
        if member in GROUPS:
            pending.extend(GROUPS[member].members)
        elif member in TASKS:
            names.add(member)
    return [spec for spec in TASKS.values() if spec.name in names]


def benchmark_size(name: str) -> int | None:
    """How many questions the benchmark has for a task or a rate-pooling group; None for a name it does not know."""
    if name in TASKS:
        return TASKS[name].questions
    if name in GROUPS and GROUPS[name].aggregate_metrics:
        return sum(spec.questions for spec in group_tasks(name))
    return None


def registry_json() -> dict:
    """What the audit page embeds: {"tasks": {name: fields}, "groups": {name: fields}}, in display order."""
    return {
        "tasks": {name: {**asdict(spec), "process_results": spec.process_results} for name, spec in TASKS.items()},
        "groups": {name: {**asdict(spec), "pooled_rates": spec.pooled_rates} for name, spec in GROUPS.items()},
    }
