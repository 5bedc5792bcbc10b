#!/usr/bin/env bash
# Regenerate the committed results.
#
#   results/regenerate.sh                 # re-score the Qwen2 generations (needs ../shared), then the leaderboard
#   results/regenerate.sh --report-only   # only the leaderboard and the audit page, from the committed results files
#   LEADERBOARD_OUT=/tmp/x results/regenerate.sh --report-only   # write them there instead of results/
#
# The leaderboard is made from every results_*.json under results/, so runs added here (e.g. lm_eval runs of the
# demo model) join it on the next regeneration. Every output is byte-identical on re-run: `deccp score` gets a
# fixed --date, and `deccp report` is deterministic. The tests run this script's report step once into a temporary
# folder (tests/conftest.py) and compare it with the committed leaderboard (tests/reporting/test_report.py) and audit
# page (tests/reporting/test_audit_page.py); tests/tasks/test_score.py checks the Qwen2 results against the shared
# generations.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
OUT=${LEADERBOARD_OUT:-results}

if [ "${1:-}" != "--report-only" ]; then
  SHARED=${DECCP_SHARED_DIR:-../shared}
  GENERATIONS=$SHARED/data/deccp-generations
  # The rubric's weights (detector/rubric_features.py) re-fitted on the current rubrics and the blind Qwen2
  # reading, so the verdicts below read the rubrics as merged (deterministic; a no-op when nothing changed).
  DECCP_SHARED_DIR=$SHARED "$PYTHON" training/rubric_fit.py --ablations --output lm_eval_deccp/detector/artifacts/rubric-v3.json \
    > /dev/null
  # The blog's generations of Qwen2-7B-Instruct and its abliterated variant, answers to the 95 censored deccp
  # questions. DECCP_DATA_DIR gives the questions their deccp doc ids offline.
  DECCP_DATA_DIR=$SHARED/data/augmxnt-deccp "$PYTHON" -m lm_eval_deccp score \
    "$GENERATIONS/qwen2-7b-instruct.jsonl" "$GENERATIONS/qwen2-7b-instruct-deccp.jsonl" \
    -o results --date 2024-06-10T00:00:00
  # The samples hold the generations, which are not ours to commit; the results files keep what the report needs.
  rm -f results/qwen2-7b-instruct/samples_*.jsonl results/qwen2-7b-instruct-deccp/samples_*.jsonl
fi

# The leaderboard: every run under results/, beside the MixEval table of the deccp blog post (capabilities/, cited in
# the file). The post names the two Qwen2 models by their Hugging Face ids, the runs by short names; its other two
# models have no run here and are shown with capability scores only. The chart's capability axis is MixEval's own
# overall score, as the post published it.
# results/abliteration/ is a study of a model fine-tuned here to censor, on a subset of questions, with its own
# report (results/abliteration/README.md): it is not a leaderboard row.
mapfile -t RUNS < <("$PYTHON" -c "from pathlib import Path
print(*(p for p in sorted(Path('results').rglob('results_*.json')) if p.parts[1] != 'abliteration'), sep='\n')")
TABLE=("${RUNS[@]}" --capabilities results/capabilities/mixeval_deccp_blog.json
  --alias Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct --alias augmxnt/Qwen2-7B-Instruct-deccp=qwen2-7b-instruct-deccp
  --include-capability-only --plot-capability "Overall (published)")
# leaderboard.md is the default view (small tables that fit 120 columns); leaderboard_all.md every column, with the
# blog's sixteen MixEval columns as published.
"$PYTHON" -m lm_eval_deccp report "${TABLE[@]}" -o "$OUT/leaderboard.md" --plot "$OUT/leaderboard.png"
"$PYTHON" -m lm_eval_deccp report "${TABLE[@]}" --columns all -o "$OUT/leaderboard_all.md"
# The audit page: the same table with the answers behind it. Only runs whose samples are here have answers on it,
# i.e. our own generations (the demo model's); the Qwen2 samples were removed above.
"$PYTHON" -m lm_eval_deccp report "${TABLE[@]}" -o "$OUT/audit.html"
