#!/usr/bin/env bash
# Accuracy, latency and cost of the current model next to Rasa's default config.
# Writes results/bench.json, results/bench.md and plots in results/. See docs/bench.md.
# Exits non-zero when a step breaks (a missed target is reported, not an error).
source "$(dirname "$0")/common.sh"

model="$(model_path)"
[[ -f "$model" ]] || die "no model for the current data; run 'make train'"
export VRT_SPACY_PIPELINE_NAME="$(spacy_pipeline_name)"
say "Benchmarking ${model#$ROOT/} (spaCy pipeline $VRT_SPACY_PIPELINE_NAME); this takes 10-20 minutes"
exec "$PY" -m bench --model "$model" --config config.yml "$@"
