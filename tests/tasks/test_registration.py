"""The installed start-up hook: a bare `lm_eval` finds the deccp tasks; it can be switched off; it coexists with a
user's --include_path; and a change in lm_eval's internals degrades to a warning."""

from __future__ import annotations

import textwrap

import pytest

from conftest import offline_env, run_python

DECCP_TASK_NAMES = ("deccp_en", "deccp_zh", "deccp_control_en", "deccp_plus_en", "deccp_plus_zh_hant")


def _ls_tasks(*extra: str, env=None):
    proc = run_python("-m", "lm_eval", "ls", "tasks", *extra, env=env or offline_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_bare_lm_eval_ls_lists_the_deccp_tasks():
    listing = _ls_tasks()
    for name in DECCP_TASK_NAMES:
        assert f"|{name} " in listing, f"{name} not listed by a bare `lm_eval ls tasks`"
    assert "|gsm8k " in listing, "lm_eval's own tasks are still there"


@pytest.mark.slow
def test_the_hook_can_be_switched_off():
    listing = _ls_tasks(env=offline_env(DECCP_AUTOLOAD="0"))
    assert "|deccp_en " not in listing
    assert "|gsm8k " in listing


@pytest.mark.slow
def test_a_users_include_path_works_alongside(tmp_path):
    (tmp_path / "my_task.yaml").write_text(textwrap.dedent("""\
        task: my_private_task
        dataset_path: json
        output_type: generate_until
        test_split: test
        doc_to_text: "{{q}}"
        doc_to_target: "{{a}}"
        metric_list:
          - metric: exact_match
    """))
    listing = _ls_tasks("--include_path", str(tmp_path))
    assert "|my_private_task " in listing
    assert "|deccp_en " in listing


@pytest.mark.slow
def test_renamed_lm_eval_internals_give_a_warning_not_a_crash():
    script = textwrap.dedent("""\
        import warnings
        import lm_eval_deccp._autoload as hook
        hook.TARGET_CLASS = "RenamedTaskManager"   # what an lm_eval refactor would look like to the hook
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from lm_eval.tasks import TaskManager
        assert any("lm-eval-deccp" in str(w.message) and "include_path" in str(w.message) for w in caught), caught
        manager = TaskManager()
        assert "gsm8k" in manager.all_tasks          # lm_eval still runs its own tasks
        assert "deccp_en" not in manager.all_tasks   # ours are simply not registered
        print("ok")
    """)
    proc = run_python("-c", script)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")


def test_tasks_path_command_points_at_the_yaml_folder():
    proc = run_python("-m", "lm_eval_deccp", "tasks-path")
    assert proc.returncode == 0
    from pathlib import Path

    folder = Path(proc.stdout.strip())
    assert (folder / "deccp" / "deccp_en.yaml").is_file()
    assert (folder / "deccp_plus" / "deccp_plus_zh_hant.yaml").is_file()


@pytest.mark.parametrize("disabled", ["0", "false", "off"])
def test_disable_values(disabled):
    proc = run_python("-c", "import sys; print(any(type(f).__name__ == '_TaskManagerFinder' for f in sys.meta_path))",
                      env=offline_env(DECCP_AUTOLOAD=disabled))
    assert proc.stdout.strip() == "False"


def test_hook_is_installed_at_startup_and_costs_no_lm_eval_import():
    proc = run_python("-c", "import sys; print(any(type(f).__name__ == '_TaskManagerFinder' for f in sys.meta_path),"
                            " 'lm_eval' in sys.modules)")
    assert proc.stdout.split() == ["True", "False"]
