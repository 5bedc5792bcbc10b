"""The task registry (lm_eval_deccp/registry.py): its facts agree with each other and with the bundled data."""

import json

import pytest

from lm_eval_deccp import data, registry
from lm_eval_deccp.registry import GROUPS, TASKS


def test_every_group_member_is_known():
    capability = {task for task, _ in registry.LEADERBOARD_CAPABILITY_TASKS}
    for group in GROUPS.values():
        unknown = [m for m in group.members if m not in TASKS and m not in GROUPS and m not in capability]
        assert not unknown, f"{group.name}: {unknown}"


def test_every_task_is_in_exactly_one_group():
    for name in TASKS:
        holders = [g.name for g in GROUPS.values() if name in g.members]
        assert len(holders) == 1, f"{name} is in {holders}"


def test_pairs_point_to_a_task_of_the_same_suite_and_kind():
    for spec in TASKS.values():
        if spec.pair is None:
            assert not spec.control, f"{spec.name}: a control names the China task it pairs with"
            continue
        partner = registry.task_spec(spec.pair)
        assert (partner.suite, partner.kind, partner.control) == (spec.suite, spec.kind, False)


def test_languages_and_scripts_agree():
    for spec in TASKS.values():
        assert (spec.script is not None) == (spec.language == "zh"), f"{spec.name}: Chinese names its script"
        assert spec.suite in registry.SUITES and spec.kind in registry.KINDS


def test_lookups():
    assert registry.task_spec("deccp_plus_control_zh").display_name == "ctrl ZH"
    with pytest.raises(KeyError, match="deccp_plus_en"):
        registry.task_spec("no_such_task")
    assert [s.name for s in registry.tasks_where(suite="deccp_plus", control=True)] == [
        "deccp_plus_control_en", "deccp_plus_control_zh"]
    assert [s.name for s in registry.tasks_where(kind="rerolls", language="zh")] == ["deccp_plus_rerolls_zh"]
    assert registry.display_name("deccp_china") == "China EN+ZH"
    assert registry.display_name("gsm8k") == "gsm8k"
    assert [s.name for s in registry.group_tasks("deccp")] == ["deccp_en", "deccp_zh", "deccp_control_en"]
    assert registry.benchmark_size("deccp_china") == 95
    assert registry.benchmark_size("deccp_plus_control") == 330
    assert registry.benchmark_size("deccp") is None  # no rates of its own
    assert registry.task_spec("deccp_plus_rerolls_en").metric("verdict_flip_rate").aggregation == "mean"
    with pytest.raises(KeyError):
        registry.task_spec("deccp_en").metric("verdict_flip_rate")


def test_pooled_groups_pool_what_their_members_report():
    for group in GROUPS.values():
        for spec in registry.group_tasks(group.name) if group.aggregate_metrics else ():
            assert set(group.aggregate_metrics) <= {m.name for m in spec.metrics}, (group.name, spec.name)
    assert [g.name for g in GROUPS.values() if g.pooled_rates] == [
        "deccp_china", "deccp_plus_china", "deccp_plus_control", "deccp_plus_rerolls"]


def test_deccp_plus_sizes_and_texts_match_the_bundled_suite():
    for spec in registry.tasks_where(suite="deccp_plus"):
        docs = data.suite_documents(spec.subset)
        assert len(docs) == spec.questions, spec.name
        assert all(doc["question"] and doc["lang"] == spec.language for doc in docs), spec.name


def test_registry_json_is_plain_json():
    loaded = json.loads(json.dumps(registry.registry_json()))
    assert list(loaded["tasks"]) == list(TASKS)
    assert loaded["tasks"]["deccp_plus_zh_hant"]["pair"] == "deccp_plus_zh"
    assert loaded["groups"]["deccp_china"]["pooled_rates"] is True


def test_leaderboard_capability_tasks_are_the_report_columns_first_tasks():
    """The leaderboard group runs, for each capability column the report fills, the column's first lm_eval task:
    the two lists are written in two places (the registry cannot import reporting), so they are checked here."""
    from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS

    assert list(registry.LEADERBOARD_CAPABILITY_TASKS) == [(c.tasks[0], c.header) for c in CAPABILITY_COLUMNS]
