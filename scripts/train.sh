#!/usr/bin/env bash
# Trains a model with plain `rasa train` (config.yml, domain.yml, data/ -> models/).
# Rasa's training cache retrains only the components whose inputs changed. The Makefile
# calls this when a training input is newer than the last model (make train: always).
source "$(dirname "$0")/common.sh"

pipeline="$(spacy_pipeline_name)"
say "Training with spaCy pipeline $pipeline"
[[ "$pipeline" == nl_core_news_sm ]] || say "!! Training with the OFFLINE stand-in pipeline '$pipeline', not nl_core_news_sm !!"
mkdir -p models "$RASA_CACHE_DIRECTORY"
log="$ROOT/models/train.log"
start=$SECONDS
if ! rasa train >"$log" 2>&1; then
  tail -40 "$log" >&2
  die "training failed; full log in ${log#$ROOT/}"
fi
model="$(latest_model)"
say "Trained in $((SECONDS - start)) s: ${model#$ROOT/} (log: ${log#$ROOT/})"
say "spaCy pipeline recorded in the model: $(recorded_pipeline "$model")"
# Keep the three newest models; `rasa run` and `rasa shell` load the newest.
ls -t models/*.tar.gz | tail -n +4 | xargs -r rm -f
