"""The censorship tasks the leaderboard reads, as the task registry (lm_eval_deccp/registry.py) states them: per
suite its China tasks (one per language and script), its controls with the China task each is matched to, and the
group row that pools the China tasks. Nothing here names a task: a task added to the registry gets its columns."""

from __future__ import annotations

from lm_eval_deccp import registry
from lm_eval_deccp.registry import GROUPS, SUITE_LABELS, TASKS, GroupSpec, TaskSpec

# The suites with censorship columns (MixEval's tasks give capability columns instead).
SUITES = ("deccp", "deccp_plus")


def answer_tasks(suite: str) -> list[TaskSpec]:
    """A suite's tasks with one answer per question (not its re-rolls), in display order."""
    return registry.tasks_where(suite=suite, kind="answers")


def china_tasks(suite: str) -> list[TaskSpec]:
    return [spec for spec in answer_tasks(suite) if not spec.control]


def control_tasks(suite: str) -> list[TaskSpec]:
    return [spec for spec in answer_tasks(suite) if spec.control]


def _pools_china_answers(group: GroupSpec) -> bool:
    return group.pooled_rates and all(member in TASKS and TASKS[member].kind == "answers"
                                      and not TASKS[member].control for member in group.members)


# Every task the leaderboard has columns for, in display order.
LEADERBOARD_TASKS: tuple[str, ...] = tuple(spec.name for suite in SUITES for spec in answer_tasks(suite))
# The group rows a leaderboard takes, one per suite: their member tasks (lm_eval pools them by size).
POOLED: dict[str, tuple[str, ...]] = {group.name: group.members for group in GROUPS.values()
                                      if _pools_china_answers(group)}


def pooled_group(suite: str) -> GroupSpec:
    """The group row that pools a suite's China tasks."""
    return next(GROUPS[name] for name, members in POOLED.items() if TASKS[members[0]].suite == suite)


def suite_label(suite: str) -> str:
    return SUITE_LABELS[suite]


def control_label(control: TaskSpec) -> str:
    """A control task's label in the leaderboard: "control " and its China task's label ("control EN")."""
    return f"control {registry.display_name(control.pair)}"


def benchmark_size(name: str) -> int | None:
    """How many questions the benchmark has for a leaderboard task or pooled group, or None for another name."""
    return registry.benchmark_size(name) if name in LEADERBOARD_TASKS or name in POOLED else None
