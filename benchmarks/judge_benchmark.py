"""What the judge tier costs per 100 answers on this machine: wall time and tokens, and how many answers mode
`uncertain` would send.

    OMP_NUM_THREADS=1 transformers serve "$(deccp demo-model --hf-folder)" --host 127.0.0.1 --port 8000 &
    python benchmarks/judge_benchmark.py --url http://127.0.0.1:8000/v1 --model "$(deccp demo-model --hf-folder)"

Any OpenAI-compatible judge can be measured the same way (add --api-key-env VAR for a hosted one). The answers are
the demo model's committed deccp-plus answers (results/smollm2-135m-instruct), half English, half Chinese. The judge
is asked about every one (mode all) with an empty cache (a cached verdict costs no request at all). Tokens are what
the server reports, retries included; multiply by your provider's prices for a hosted judge. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RUN = REPO / "results" / "smollm2-135m-instruct"


def answers(n: int) -> list[dict]:
    from lm_eval_deccp.reporting.runs import read_samples

    rows = []
    for lang in ("en", "zh"):
        (path,) = RUN.glob(f"samples_deccp_plus_{lang}_2*.jsonl")  # not zh_hant
        for sample in list(read_samples(path))[: (n + 1) // 2 if lang == "en" else n // 2]:
            rows.append({"question": sample["doc"]["question"], "response": sample["resps"][0][0], "lang": lang})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the judge's OpenAI-compatible endpoint, e.g. http://host:8000/v1")
    parser.add_argument("--model", required=True, help="the model name it serves")
    parser.add_argument("--api-key-env", default=None, help="name of the variable holding the API key, if any")
    parser.add_argument("--answers", type=int, default=100, help="how many answers to judge (default 100)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=64, help="reply length limit (the judge default, 64)")
    args = parser.parse_args()

    from lm_eval_deccp.detector import get_detector
    from lm_eval_deccp.judge import JudgeConfig, apply_judge, check_judge
    from lm_eval_deccp.judge.record import summarise
    from lm_eval_deccp.judge.relabel import select
    from lm_eval_deccp.text import final_answer

    rows = answers(args.answers)
    generations = [r["response"] for r in rows]
    questions = [r["question"] for r in rows]
    verdicts = [v.to_dict() for v in get_detector().classify(generations, questions=questions,
                                                             langs=[r["lang"] for r in rows])]
    final = [final_answer(g) for g in generations]
    with tempfile.TemporaryDirectory() as cache:
        config = JudgeConfig(url=args.url, model=args.model, api_key_env=args.api_key_env, mode="all",
                             concurrency=args.concurrency, max_tokens=args.max_tokens, cache=cache, source="benchmark")
        check_judge(config)
        start = time.perf_counter()
        record = summarise(apply_judge(verdicts, questions, final, config, progress=True))
        seconds = time.perf_counter() - start
    uncertain = len(select(verdicts, final, JudgeConfig(url=args.url, model=args.model)))
    per_100 = 100 / len(rows)
    result = {
        "judge": record["judge"], "prompt_version": record["prompt_version"], "answers": len(rows),
        "concurrency": args.concurrency, "max_tokens": args.max_tokens,
        "judged": record["judged"], "failed": record["failed"], "changed": record["changed"],
        "seconds_per_100_answers": round(seconds * per_100, 1),
        "prompt_tokens_per_100_answers": round(record["prompt_tokens"] * per_100),
        "completion_tokens_per_100_answers": round(record["completion_tokens"] * per_100),
        # Mode uncertain sends only these; its cost per 100 answers is this share of the figures above.
        "uncertain_mode_share": round(uncertain / len(rows), 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
