"""The committed task YAMLs are exactly what tasks/_generate_configs.py writes from the registry, and lm_eval reads
them as the registry says (names, groups, versions, metrics)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lm_eval_deccp import registry

TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"


def _generator():
    spec = importlib.util.spec_from_file_location("_generate_configs", TASKS_DIR / "_generate_configs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_yamls_equal_the_generated_ones():
    problems = _generator().differences(TASKS_DIR)
    assert not problems, "run `python tasks/_generate_configs.py`: " + "; ".join(problems)


def test_the_generator_finds_a_stale_or_edited_yaml(tmp_path):
    generator = _generator()
    generator.write(tmp_path)
    assert generator.differences(tmp_path) == []
    (tmp_path / "deccp" / "deccp_en.yaml").write_text("task: deccp_en\n")
    (tmp_path / "deccp" / "deccp_old.yaml").write_text("task: deccp_old\n")
    assert generator.differences(tmp_path) == ["deccp/deccp_en.yaml: changed", "deccp/deccp_old.yaml: not in the registry"]
    generator.write(tmp_path)
    assert generator.differences(tmp_path) == [] and not (tmp_path / "deccp" / "deccp_old.yaml").exists()


@pytest.fixture(scope="module")
def loaded_configs():
    """Every task and group YAML as lm_eval reads it (includes resolved, !function tags left as paths)."""
    from lm_eval.tasks._yaml_loader import load_yaml

    return [load_yaml(path, resolve_func=False) for path in sorted(TASKS_DIR.glob("*/*.yaml"))]


def test_lm_eval_reads_each_task_as_the_registry_states_it(loaded_configs):
    tasks = {config["task"]: config for config in loaded_configs if "task" in config and "group" not in config}
    assert sorted(tasks) == sorted(registry.TASKS)
    for name, config in tasks.items():
        spec = registry.task_spec(name)
        assert config["metadata"]["version"] == spec.version
        assert [m["metric"] for m in config["metric_list"]] == [m.name for m in spec.metrics]
        assert config["process_results"].endswith(f"utils.{spec.process_results}")
        assert config.get("repeats", 1) == spec.repeats
        assert config["generation_kwargs"]["do_sample"] == (spec.kind == "rerolls")


def test_lm_eval_reads_each_group_as_the_registry_states_it(loaded_configs):
    groups = {config["group"]: config for config in loaded_configs if "group" in config}
    assert sorted(groups) == sorted(registry.GROUPS)
    for name, config in groups.items():
        spec = registry.GROUPS[name]
        assert tuple(config["task"]) == spec.members
        assert config["metadata"]["version"] == spec.version
        assert [m["metric"] for m in config.get("aggregate_metric_list", [])] == list(spec.aggregate_metrics)
