"""A broken knowledge file stops the action server at start-up."""

import subprocess

from vrt.ops.servers import ROOT, VENV_BIN, free_port


def test_action_server_refuses_to_start_with_broken_knowledge_file(tmp_path):
    broken = tmp_path / "beleidsplan.yml"
    broken.write_text(
        (ROOT / "knowledge" / "beleidsplan.yml").read_text().replace("antwoord:", "antwoordt:", 1)
    )

    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(free_port())],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "VRT_BELEIDSPLAN_FILE": str(broken), "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "KnowledgeFileError" in result.stderr
    assert f"{broken}: field 'themas.koers.antwoordt'" in result.stderr
