#!/usr/bin/env bash
# Accuracy, latency and cost of the current model next to Rasa's default config.
# Writes results/bench.json (Rasa's reports and plots beside it in results/). See docs/bench.md.
# Exits non-zero when a step breaks (a missed target is reported, not an error).
source "$(dirname "$0")/common.sh"

model="$(latest_model)"
[[ -n "$model" ]] || die "no trained model in models/; run 'make train'"
export VRT_SPACY_PIPELINE_NAME="$(spacy_pipeline_name)"
say "Benchmarking ${model#$ROOT/} (spaCy pipeline $VRT_SPACY_PIPELINE_NAME); this takes 30-60 minutes on 2 cores, longer under load, mostly the baseline (Rasa's default config) and the 5-fold cross-validation (docs/bench.md)"
exec "$PY" -m bench --model "$model" --config config.yml "$@"
