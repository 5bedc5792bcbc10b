"""The judge flags shared by `deccp classify` and `deccp score` (not a command). Each flag overrides its environment
variable (judge/config.py), so a shell that exports DECCP_JUDGE_* for lm_eval runs judges these commands too;
--no-judge switches that off."""

from __future__ import annotations

import argparse

from lm_eval_deccp.cli import UsageError


def add_judge_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "judge (optional; each flag overrides its DECCP_JUDGE_* environment variable, see docs/judge.md)")
    group.add_argument("--judge", metavar="URL", dest="judge_url",
                       help="OpenAI-compatible endpoint of an LLM judge, e.g. http://localhost:8000/v1 "
                            "(env DECCP_JUDGE_URL)")
    group.add_argument("--judge-model", help="model name the endpoint serves (env DECCP_JUDGE_MODEL)")
    group.add_argument("--judge-api-key-env", metavar="VAR",
                       help="name of the environment variable holding the API key, e.g. OPENAI_API_KEY "
                            "(env DECCP_JUDGE_API_KEY_ENV; default: no key)")
    group.add_argument("--judge-mode", choices=("uncertain", "all"),
                       help="uncertain: only answers whose offline p(censored) is in 0.15-0.85 (default); "
                            "all: every answer with content (env DECCP_JUDGE_MODE)")
    group.add_argument("--judge-concurrency", type=int, metavar="N",
                       help="concurrent requests (default 4; env DECCP_JUDGE_CONCURRENCY)")
    group.add_argument("--judge-timeout", type=float, metavar="SECONDS",
                       help="timeout per request (default 120; env DECCP_JUDGE_TIMEOUT)")
    group.add_argument("--judge-max-retries", type=int, metavar="N",
                       help="retries on HTTP 429/5xx, timeouts and refused connections, with exponential backoff "
                            "(default 3; env DECCP_JUDGE_MAX_RETRIES)")
    group.add_argument("--judge-max-tokens", type=int, metavar="N",
                       help="reply length limit; raise it for reasoning judges (default 64; env "
                            "DECCP_JUDGE_MAX_TOKENS)")
    group.add_argument("--judge-cache", metavar="DIR",
                       help="cache folder, or 'off' (default $XDG_CACHE_HOME/lm_eval_deccp/judge, i.e. "
                            "~/.cache/lm_eval_deccp/judge; env DECCP_JUDGE_CACHE)")
    group.add_argument("--no-judge", action="store_true", help="no judge, even if DECCP_JUDGE_URL is set")


def judge_config(args: argparse.Namespace):
    """The judge these flags and the environment configure, checked (fail fast: one line, before any labelling)."""
    from lm_eval_deccp.judge import JudgeConfig, JudgeConfigError, JudgeUnavailable, check_judge, from_env, with_overrides

    if args.no_judge:
        return JudgeConfig()
    try:
        config = with_overrides(from_env(), {
            "url": args.judge_url, "model": args.judge_model, "api_key_env": args.judge_api_key_env,
            "mode": args.judge_mode, "concurrency": args.judge_concurrency, "timeout": args.judge_timeout,
            "max_retries": args.judge_max_retries, "max_tokens": args.judge_max_tokens, "cache": args.judge_cache,
        })
        check_judge(config)
    except (JudgeConfigError, JudgeUnavailable) as err:
        raise UsageError(str(err)) from None
    return config
