# VRT Assistent: one entry point. Ports: RASA_PORT (5005), ACTION_PORT (5055), WEB_PORT (8080).
SHELL := /bin/bash
.DEFAULT_GOAL := help

INSTALL_STAMP := .venv/.vrt-installed

.PHONY: help install train run shell test bench clean

help:
	@echo "make run    install, train if needed, start action server, Rasa server and widget page"
	@echo "make shell  the Rasa shell (with the action server) for VRT staff"
	@echo "make test   validation, unit tests, training, NLU and story tests, end-to-end tests"
	@echo "make bench  accuracy, latency and cost figures into results/bench.json"
	@echo "make install / make train   the separate steps"

$(INSTALL_STAMP): pyproject.toml uv.lock .python-version scripts/install.sh scripts/install_spacy_model.sh
	@bash scripts/install.sh
	@touch $@

install:
	@rm -f $(INSTALL_STAMP)
	@$(MAKE) --no-print-directory $(INSTALL_STAMP)

train: $(INSTALL_STAMP)
	@bash scripts/train.sh

run: train
	@bash scripts/run.sh

shell: train
	@bash scripts/shell.sh

test: $(INSTALL_STAMP)
	@bash scripts/test.sh

bench: train
	@bash scripts/bench.sh

clean:
	rm -rf models results var .pytest_cache
