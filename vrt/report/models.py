"""Which trained model answered: Rasa stores the model id in the metadata of every event."""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from vrt.paths import ROOT

MODELS_DIR = ROOT / "models"


@dataclass
class ModelInfo:
    model_id: str
    messages: int
    file: Optional[str] = None  # None: no longer in models/
    pipeline: Optional[str] = None  # spaCy pipeline recorded by vrt.nlu.dutch_spacy.SpacyPipelineRecord
    trained_at: Optional[str] = None


def read_archive(path: Path) -> Dict[str, Optional[str]]:
    """model_id, training time and spaCy pipeline of one model archive, in one pass."""
    found: Dict[str, Optional[str]] = {"model_id": None, "trained_at": None, "pipeline": None}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            path = member.name.lstrip("/")  # Rasa's archives name members "/metadata.json"
            name = path.rsplit("/", 1)[-1]
            if path == "metadata.json":
                metadata = json.load(tar.extractfile(member))
                found["model_id"] = metadata.get("model_id")
                found["trained_at"] = (metadata.get("trained_at") or "")[:16].replace("T", " ")
            elif name == "spacy_pipeline.json" and "SpacyPipelineRecord" in path:
                record = json.load(tar.extractfile(member))
                found["pipeline"] = " ".join(
                    str(part) for part in (record.get("pipeline"), record.get("pipeline_version")) if part
                ) + ("" if record.get("official") else " (offline stand-in)")
            if all(found.values()):
                break
    return found


def models_used(model_ids: Iterable[Optional[str]], models_dir: Path = MODELS_DIR) -> List[ModelInfo]:
    counts = Counter(m for m in model_ids if m)
    if not counts:
        return []
    archives = {}
    for path in sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True):
        info = read_archive(path)
        if info["model_id"] in counts:
            archives[info["model_id"]] = (path.name, info)
        if len(archives) == len(counts):
            break
    result = []
    for model_id, messages in counts.most_common():
        name, info = archives.get(model_id, (None, {}))
        result.append(
            ModelInfo(
                model_id=model_id,
                messages=messages,
                file=name,
                pipeline=info.get("pipeline"),
                trained_at=info.get("trained_at"),
            )
        )
    return result
