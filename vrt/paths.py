"""Where the project's files are: one ROOT for every module, test and tool.

The package is installed editable (pyproject.toml), so this is the checkout the Rasa
commands run from, whatever the working folder.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
DATA = ROOT / "data"
KNOWLEDGE = ROOT / "knowledge"
