#!/usr/bin/env bash
# Accuracy figures. First the blind set (tests/blind/, written from the notices alone): every case
# asked over REST to the bot with its clock at 2026-11-25, judged on the reply, beside plain BM25
# over the notices. Then intent accuracy / macro-F1 and entity F1 on the held-out NLU set
# (tests/nlu_test.yml, never trained on), conversation accuracy of the test stories, and the
# retrieval benchmark (hit@1, recall@3, MRR vs plain BM25). Prints a summary; details in results/.
source "$(dirname "$0")/common.sh"
setup_python
train_if_needed
rm -rf results/nlu results/conversations
mkdir -p results
log "NLU on the held-out set"
"$VENV/bin/rasa" test nlu --nlu tests/nlu_test.yml --model "$MODEL" --out results/nlu --quiet >results/nlu.log 2>&1
log "conversation tests"
"$VENV/bin/rasa" test core --model "$MODEL" --stories tests/conversations --endpoints bot/endpoints.yml \
  --out results/conversations --quiet >results/conversations.log 2>&1 || true
log "blind set over REST (tests/blind)"
"$PY" -m tests.benchmarks.blind_eval
"$PY" -m tests.benchmarks.eval_report
"$PY" -m tests.benchmarks.retrieval_bench
