"""Paired statistics for deccp-plus runs: Chinese vs English and Simplified vs Traditional per question (how many
flip, which way, McNemar's exact test), China-specific censorship (China questions vs matched controls), bootstrap
intervals for the rates and gaps, a per-topic table, and re-roll probabilities.

RESULTS are lm_eval results_*.json files or folders holding them (searched recursively); lm_eval must have been
run with --log_samples. Several runs of one model are merged; several models are reported one after another."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="lm_eval results_*.json files or folders holding them (searched recursively)")
    parser.add_argument("--by-topic", action="store_true", help="add the per-topic rate and gap tables")
    parser.add_argument("--per-question", action="store_true",
                        help="add each question's verdict per variant and which way it flips, and per-question "
                             "re-roll probabilities")
    parser.add_argument("--json", action="store_true",
                        help="print everything (all tables, per topic and per question) as one JSON document")
    parser.add_argument("--confidence", type=float, default=0.95, help="interval coverage (default 0.95)")
    parser.add_argument("--iterations", type=int, default=None, help="bootstrap resamples (default 2000)")
    parser.add_argument("--seed", type=int, default=None, help="bootstrap seed (fixed by default, for reproducibility)")


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting import paired, stats
    from lm_eval_deccp.reporting.paired.rendering import render
    from lm_eval_deccp.reporting.runs import ResultsError, find_results_files, load_run

    if not 0 < args.confidence < 1:
        raise UsageError(f"--confidence must be between 0 and 1, not {args.confidence}")
    if args.iterations is not None and args.iterations < 1:
        raise UsageError(f"--iterations must be at least 1, not {args.iterations}")
    settings = paired.BootstrapSettings(
        confidence=args.confidence,
        iterations=args.iterations or stats.DEFAULT_ITERATIONS,
        seed=stats.DEFAULT_SEED if args.seed is None else args.seed,
    )
    try:
        files = find_results_files(args.results)
        if not files:
            raise UsageError(f"no results_*.json found in {', '.join(args.results)}; give lm_eval's --output_path "
                             "folder or a results file")
        models = paired.load_model_verdicts([load_run(path) for path in files])
    except ResultsError as err:
        raise UsageError(str(err)) from None
    analyses = [paired.analyse(model, settings) for model in models]
    print(render(analyses, settings, as_json=args.json, by_topic=args.by_topic, per_question=args.per_question))
    return 0
