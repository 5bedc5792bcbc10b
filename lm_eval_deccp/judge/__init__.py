"""The optional judge tier: an LLM behind any OpenAI-compatible chat-completions endpoint relabels the answers the
offline detector is unsure of (or all of them), and the offline verdicts can be measured against it.

    from lm_eval_deccp.judge import from_env, check_judge, apply_judge
    config = from_env()               # DECCP_JUDGE_URL, DECCP_JUDGE_MODEL, … (config.py); disabled when unset
    check_judge(config)               # fail fast: JudgeUnavailable with one paragraph
    verdicts = apply_judge(verdicts, questions, answers, config)

Modules, imported one way (relabel, check → client, cache, prompt, record → config, labels): config (settings from
the environment and flags), prompt (the versioned prompt and the strict reading of replies), client (HTTP with
timeouts, retries and backoff), cache (SQLite, keyed by model, prompt version, question and answer), record (what a
verdict and a run record), relabel (selection, concurrency, fallback), check (the fail-fast check), agreement (κ,
confusion matrix, F1).
Importing this package sends no request and opens no file.
"""

from lm_eval_deccp.judge.check import JudgeUnavailable, check_judge
from lm_eval_deccp.judge.config import JudgeConfig, JudgeConfigError, from_env, with_overrides
from lm_eval_deccp.judge.relabel import apply_judge

__all__ = ["JudgeConfig", "JudgeConfigError", "JudgeUnavailable", "from_env", "with_overrides", "apply_judge",
           "check_judge"]
