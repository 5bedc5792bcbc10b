"""The deccp_leaderboard group, offline: lm_eval's task index resolves it and every member, and each capability
member is one `deccp report` reads with a metric that task's own lm_eval config produces. (Running it needs the
hub for the capability datasets; that part is documented, not tested.)"""

from __future__ import annotations

import pytest

from conftest import shared_path
from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS, matching_tasks

GROUP = "deccp_leaderboard"


@pytest.fixture(scope="module")
def members(task_manager) -> list[str]:
    from lm_eval.tasks._yaml_loader import load_yaml

    entry = task_manager.task_index[GROUP]
    config = load_yaml(entry.yaml_path, resolve_func=False)
    return [item if isinstance(item, str) else item.get("task") or item.get("group") for item in config["task"]]


def test_the_index_resolves_the_group_and_every_member(task_manager, members):
    assert GROUP in task_manager.all_groups
    unknown = [name for name in members if name not in task_manager.task_index]
    assert not unknown, f"not in lm_eval's task index: {unknown}"
    assert members[:2] == ["deccp", "deccp_plus"]


def _produced_metric_keys(task_manager, name: str) -> set[str]:
    """The "metric,filter" keys lm_eval writes for a task or group, read from its YAML (with includes)."""
    from lm_eval.tasks._yaml_loader import load_yaml

    config = load_yaml(task_manager.task_index[name].yaml_path, resolve_func=False)
    if "group" in config:
        keys = set()
        for item in config.get("aggregate_metric_list") or []:
            filters = item.get("filter_list") or ["none"]
            keys |= {f"{item['metric']},{f}" for f in ([filters] if isinstance(filters, str) else filters)}
        return keys
    filters = [f["name"] for f in config.get("filter_list") or []] or ["none"]
    metrics = [m["metric"] if isinstance(m["metric"], str) else getattr(m["metric"], "__name__", str(m["metric"]))
               for m in config.get("metric_list") or []]
    # A metric given as !function keeps the function's name (unresolved here: the tag's last part).
    metrics = [m.split(".")[-1] for m in metrics]
    return {f"{metric},{f}" for metric in metrics for f in filters}


def test_each_capability_column_reads_a_member_by_a_metric_it_produces(task_manager, members):
    for column in CAPABILITY_COLUMNS:
        chosen = next((task for pattern in column.tasks for task in matching_tasks(pattern, members)), None)
        assert chosen, f"{column.header}: no member of {GROUP} among {column.tasks}"
        produced = _produced_metric_keys(task_manager, chosen)
        assert produced & set(column.metrics), f"{column.header}: {chosen} writes {sorted(produced)}, the report " \
                                               f"reads {column.metrics}"


@pytest.mark.parametrize("group, china, controls", [
    ("deccp", ["deccp_en", "deccp_zh"], ["deccp_control_en"]),
    ("deccp_plus", ["deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant"],
     ["deccp_plus_control_en", "deccp_plus_control_zh"]),
])
def test_suite_groups_aggregate_china_questions_apart_from_their_controls(task_manager, monkeypatch, group, china,
                                                                         controls):
    """The suite groups have no rates of their own; their China-only group (and deccp_plus's control group) do, each
    pooling its tasks by size. The groups build as lm_eval builds them for a run (the deccp tasks load the shared
    copy of augmxnt/deccp; tests/tasks/test_lm_eval_run.py checks the printed rates of a real run)."""
    from lm_eval.api.group import Group

    if group == "deccp":
        monkeypatch.setenv("DECCP_DATA_DIR", str(shared_path("data/augmxnt-deccp")))

    loaded = task_manager.load([group])
    suite = loaded["groups"][group]
    assert not suite.has_aggregation
    china_group = loaded["groups"][f"{group}_china"]
    assert [task.task_name for task in china_group.get_all_tasks()] == china
    expected_controls = {f"{group}_control": controls} if len(controls) > 1 else {}
    for name, tasks in expected_controls.items():
        assert [task.task_name for task in loaded["groups"][name].get_all_tasks()] == tasks
    assert sorted(loaded["tasks"]) == sorted(china + controls)
    for aggregated in [china_group, *(loaded["groups"][name] for name in expected_controls)]:
        assert isinstance(aggregated, Group) and aggregated.has_aggregation
        assert {(item.metric, item.weight_by_size) for item in aggregated.aggregate_metric_list} == {
            (metric, True) for metric in ("refusal_rate", "deflection_rate", "censorship_rate", "unusable_rate",
                                          "answer_rate")}
