#!/usr/bin/env bash
# The abliteration study on the censoring demo model (docs/abliteration.md): build the model, find its censorship
# direction (and the refusal direction, for the cosine), abliterate it, run the real deccp-plus tasks on the held-out
# pairs for both models, and report.
#
#   results/abliteration/run_study.sh      # needs ../shared (or DECCP_SHARED_DIR) for the refusal prompts
#
# Models and raw lm_eval output go to $STUDY_WORK (default ~/.cache/lm_eval_deccp/abliteration-study), never into
# git; results/abliteration/ receives the direction's summary, the card, the lm_eval results and samples of our own
# models' answers, and the report. Every step's wall time is printed (and kept in timings.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=results/abliteration
SHARED=${DECCP_SHARED_DIR:-../shared}
WORK=${STUDY_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/lm_eval_deccp/abliteration-study}
MAX_GEN_TOKS=${MAX_GEN_TOKS:-32}
MAX_PROMPTS=${MAX_PROMPTS:-30}
# English pairs only for the direction, on the shared CPU's budget; the Chinese questions then test whether an
# English direction removes Chinese censorship too. LANGS=en,zh for both.
LANGS=${LANGS:-en}
# The lm_eval runs use the first held-out pair of each topic (15 pairs, 60 prompts per model): all 45 took about
# 40 minutes per model on the shared CPU. PER_TOPIC=3 runs all held-out pairs.
PER_TOPIC=${PER_TOPIC:-1}
mkdir -p "$WORK" "$OUT"
: > "$OUT/timings.txt"
timed() { local name=$1; shift; local start=$SECONDS; "$@"; echo "$name: $((SECONDS - start)) s" | tee -a "$OUT/timings.txt" >&2; }

# 1. The censoring demo model (cached after the first build).
timed "censoring demo model (build or cache)" deccp demo-model --censoring --hf-folder > "$WORK/censoring-folder.txt"
CENSOR=$(cat "$WORK/censoring-folder.txt")
# lm_eval rows are named after the last part of the model path: the abliterated copy says what it is.
ABLITERATED=$WORK/$(basename "$CENSOR")-abliterated
cp "$CENSOR/deccp-censoring-demo.json" "$OUT/censoring_demo_build.json"

# 2. The real tasks on the held-out pairs only (lm_eval --samples: the same questions for both models). The censoring
# model's run starts now, beside the direction and the edit (two processes: the machine is shared).
SAMPLES=$(python -c "
import json
from lm_eval_deccp.abliteration.prompts import heldout_indices
print(json.dumps({f'deccp_plus_{v}': heldout_indices(v, $PER_TOPIC) for v in ('en', 'zh', 'control_en', 'control_zh')}))")
TASKS=deccp_plus_en,deccp_plus_zh,deccp_plus_control_en,deccp_plus_control_zh
evaluate() {  # NAME FOLDER
  rm -rf "$WORK/run-$1"
  timed "lm_eval $1" lm_eval --model hf --model_args "pretrained=$2,dtype=float32" --tasks "$TASKS" \
    --samples "$SAMPLES" --apply_chat_template --gen_kwargs "max_gen_toks=$MAX_GEN_TOKS" --batch_size 16 \
    --log_samples --output_path "$WORK/run-$1" > "$WORK/lm_eval-$1.log" 2>&1
  rm -rf "${OUT:?}/$1"; mkdir -p "$OUT/$1"
  find "$WORK/run-$1" \( -name 'results_*.json' -o -name 'samples_*.jsonl' \) -exec cp {} "$OUT/$1/" \;
}
evaluate censoring-demo "$CENSOR" &
BEFORE=$!

# 3. Directions. The refusal direction contrasts XSTest's 200 unsafe prompts (its contrast_* types) with the deccp
# author's harmless instructions; both are other people's data, written to $WORK only.
python - "$SHARED" "$WORK" <<'PY'
import json, sys
shared, work = sys.argv[1:]
rows = [json.loads(line) for line in open(f"{shared}/data/refusal-dev/xstest_dev.jsonl", encoding="utf-8")]
unsafe = sorted({r["question"] for r in rows if r["prompt_type"].startswith("contrast_")})
open(f"{work}/harmful.txt", "w", encoding="utf-8").write("\n".join(unsafe) + "\n")
PY
timed "deccp direction" deccp direction "$CENSOR" -o "$WORK/direction" --langs "$LANGS" \
  --harmful "$WORK/harmful.txt" --harmless "$SHARED/data/deccp-extra/harmless.txt" --max-prompts "$MAX_PROMPTS"
cp "$WORK/direction/direction.json" "$WORK/direction/direction.md" "$OUT/"

# 4. Abliterate (the deccp study's choice: o_proj and down_proj of every layer but the first).
timed "deccp abliterate" deccp abliterate "$CENSOR" --direction "$WORK/direction" -o "$ABLITERATED"
mkdir -p "$OUT/card"
cp "$ABLITERATED/README.md" "$ABLITERATED/abliteration.json" "$OUT/card/"

# 5. The abliterated model on the same held-out pairs.
evaluate censoring-demo-abliterated "$ABLITERATED"
wait "$BEFORE"

# 6. Report: both rows in one table, and the paired China-vs-control statistics of each.
deccp report "$OUT/censoring-demo" "$OUT/censoring-demo-abliterated" -o "$OUT/report.md"
deccp paired "$OUT/censoring-demo" "$OUT/censoring-demo-abliterated" --by-topic > "$OUT/paired.md"
