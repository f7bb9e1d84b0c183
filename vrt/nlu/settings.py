"""config.yml's settings of one NLU component, read as Rasa reads them.

The one config reader of the project's own code (vrt/privacy/guard.py through
ConfiguredComponent.from_config_file), the benchmarks and the tests. Light: no Rasa engine import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text, Union

from vrt.paths import CONFIG


def pipeline(config: Path = CONFIG) -> List[Dict[Text, Any]]:
    """config.yml's NLU pipeline (rasa.shared.utils.io.read_config_file, as `rasa train`)."""
    from rasa.shared.utils.io import read_config_file

    return read_config_file(config)["pipeline"]


def component_settings(component: Union[Text, type], config: Path = CONFIG) -> Dict[Text, Any]:
    """One component's settings in config.yml, without `name`; `component` is its class or the
    name config.yml gives it."""
    name = component if isinstance(component, str) else f"{component.__module__}.{component.__name__}"
    (entry,) = [c for c in pipeline(config) if c["name"] == name]
    return {key: value for key, value in entry.items() if key != "name"}
