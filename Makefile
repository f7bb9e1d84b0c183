# VRT Assistent: one entry point. Ports: RASA_PORT (5005), ACTION_PORT (5055), WEB_PORT (8080).
# The targets call the same `rasa` commands a Rasa user types (see scripts/).
SHELL := /bin/bash
.DEFAULT_GOAL := help

INSTALL_STAMP := .venv/.vrt-installed
# Everything `rasa train` reads. The model is retrained when one of them is newer.
TRAIN_INPUTS := config.yml domain.yml $(shell find data vrt/nlu vrt/core -type f ! -name '*.pyc' 2>/dev/null)
MODEL_STAMP := models/.trained

.PHONY: help install train model run run-cluster shell report test test-unit test-cluster lint bench bench-cluster clean purge forget notice

help:
	@echo "make run    install, train if needed, start action server, Rasa server and widget page"
	@echo "make run-cluster  2 Rasa servers behind nginx, PostgreSQL, Redis, 1 action server (README, Crisis-day scale)"
	@echo "make shell  the Rasa shell (with the action server) for VRT staff; DEBUG=1 shows intent and confidence"
	@echo "make report what residents asked and where the bot failed (ARGS=\"--days 30\", \"--suggest\")"
	@echo "make test   lint, validation, unit tests, training, NLU and story tests, end-to-end tests"
	@echo "make test-unit  the unit tests only (seconds, no servers; also what plain pytest runs)"
	@echo "make test-cluster  the cluster's tests: replicas, lost events, killed servers, store restarts, overload"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench  accuracy, latency and cost figures into results/bench.json"
	@echo "make bench-cluster  throughput and the 200-resident surge with 1 and 2 Rasa servers behind nginx"
	@echo "make install / make train   the separate steps (make model: train only if needed)"
	@echo "make purge  delete conversations older than 30 days (ARGS=\"--days N\")"
	@echo "make forget SENDER=<id>   delete one resident's conversation"
	@echo "make notice ARGS=\"publish notice.yml\" | \"list\" | \"end ID\" | \"audit\"   crisis notices (README)"

$(INSTALL_STAMP): pyproject.toml uv.lock .python-version scripts/install.sh scripts/install_spacy_model.sh
	@bash scripts/install.sh
	@touch $@

install:
	@rm -f $(INSTALL_STAMP)
	@$(MAKE) --no-print-directory $(INSTALL_STAMP)

$(MODEL_STAMP): $(INSTALL_STAMP) $(TRAIN_INPUTS)
	@bash scripts/train.sh
	@touch $@

model: $(MODEL_STAMP)

train: $(INSTALL_STAMP)
	@bash scripts/train.sh
	@touch $(MODEL_STAMP)

run: $(MODEL_STAMP)
	@bash scripts/run.sh

run-cluster: $(MODEL_STAMP)
	@bash scripts/run_cluster.sh

shell: $(MODEL_STAMP)
	@bash scripts/shell.sh

# No training: the report reads the store; --suggest uses the newest model there is.
report: $(INSTALL_STAMP)
	@bash scripts/report.sh $(ARGS)

test: $(INSTALL_STAMP)
	@bash scripts/test.sh

test-unit: $(INSTALL_STAMP)
	@.venv/bin/python -m pytest tests/unit -q --disable-warnings

test-cluster: $(MODEL_STAMP)
	@bash scripts/test_cluster.sh

lint: $(INSTALL_STAMP)
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

bench: $(MODEL_STAMP)
	@bash scripts/bench.sh

bench-cluster: $(MODEL_STAMP)
	@bash scripts/run_cluster.sh --bench

clean:
	rm -rf models results .pytest_cache
	find var -mindepth 1 ! -name .gitignore -delete

# Retention (README, "Privacy"): the tracker store of VRT_ENDPOINTS (default endpoints.yml).
purge: $(INSTALL_STAMP)
	@source scripts/common.sh && "$$PY" -m vrt.privacy.retention purge $(ARGS)

forget: $(INSTALL_STAMP)
	@[[ -n "$(SENDER)" ]] || { echo "usage: make forget SENDER=<conversation id>" >&2; exit 2; }
	@source scripts/common.sh && "$$PY" -m vrt.privacy.retention forget '$(SENDER)'

# Crisis notices (README, "Crisis notices"): kept in the tracker store's database of VRT_ENDPOINTS.
notice: $(INSTALL_STAMP)
	@source scripts/common.sh && "$$PY" -m vrt.notices $(ARGS)
