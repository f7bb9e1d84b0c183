#!/usr/bin/env bash
# Installs everything the bot needs into .venv: the locked Python set and the Dutch spaCy pipeline.
source "$(dirname "$0")/common.sh"

if ! "$UV" --version >/dev/null 2>&1; then
  say "Installing uv $UV_VERSION into .tools/"
  # A python3 with pip from outside any venv: venvs made by uv (this one too) have no pip.
  system_path="$(tr ':' '\n' <<<"$PATH" | grep -vxF -e "$VENV/bin" -e "${VIRTUAL_ENV:-$VENV}/bin" | paste -sd:)"
  PATH="$system_path" python3 -m pip install --quiet --disable-pip-version-check --target "$ROOT/.tools" "uv==$UV_VERSION" \
    || die "could not install uv; is python3 with pip available?"
fi

say "Installing the locked Python packages into .venv (Python $(cat .python-version))"
# --inexact keeps nl_core_news_sm, which is installed outside the lock (it is not on PyPI).
"$UV" sync --frozen --inexact --python "$(cat .python-version)"
# --inexact also keeps what left the lock: jax (pyproject.toml, tensorflow's metadata) costs
# every Rasa process 64 MiB when it is installed, so venvs made before lose it here.
if "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("jax") is None)'; then
  "$UV" pip uninstall --quiet --python "$PY" jax jaxlib ml-dtypes
fi

"$ROOT/scripts/install_spacy_model.sh"
