"""README.md stays true to the repo: its make targets, paths, ports and environment variables."""

import itertools
import re
from pathlib import Path

import pytest

from vrt.paths import ROOT  # noqa: E402

README = (ROOT / "README.md").read_text()
# Folders the commands write into (ignored by git): a path under them exists after a run.
OUTPUT_DIRS = ("models/", "results/", "var/", "node_modules/", ".venv/")
# Where the project reads environment variables: shell, Python, YAML, Makefile, CI.
CODE_FILES = sorted(
    path
    for path in itertools.chain(
        *(
            ROOT.joinpath(folder).rglob(pattern)
            for folder in (
                "scripts",
                "actions",
                "vrt",
                "tests",
                "bench",
                "deploy",
                "web",
                ".ci",
            )
            for pattern in ("*.py", "*.sh", "*.yml", "*.yaml", "*.template", "*.js", "run")
        ),
        [ROOT / "Makefile", ROOT / "endpoints.yml", ROOT / "credentials.yml"],
    )
    if path.is_file()
    and not {"__pycache__", "node_modules"} & set(path.parts)
    and path != Path(__file__).resolve()
)
CODE = {path: path.read_text() for path in CODE_FILES}
PROJECT_PREFIXES = ("VRT_", "RASA_", "BENCH_", "NL_CORE_NEWS_SM_")
SYSTEM_VARIABLES = {"HOME", "PATH", "TERM", "LANG", "VIRTUAL_ENV", "SUDO_USER"}


def code_spans(markdown: str) -> list:
    """The text of every `inline code` span and every fenced code block."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    without_fenced = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return fenced + re.findall(r"`([^`\n]+)`", without_fenced)


def expand_braces(token: str) -> list:
    """deploy/endpoints.{sqlite,redis}.yml -> both names."""
    match = re.search(r"\{([^{}]*)\}", token)
    if not match:
        return [token]
    return [
        expanded
        for choice in match[1].split(",")
        for expanded in expand_braces(token[: match.start()] + choice + token[match.end() :])
    ]


def path_tokens(text: str) -> list:
    """Words of `text` that look like a relative file or folder name, without placeholders."""
    tokens = []
    for token in re.split(r"[\s=]+", text):
        token = token.strip("\"'(),;:")
        if not re.fullmatch(r"[\w.\-/*{},]+", token) or token.startswith(("/", "-", "~", ".venv/bin/")):
            continue
        if "/" in token or re.search(r"\.(yml|yaml|md|py|sh|json|toml|lock|js|css|html)$", token):
            tokens.extend(expand_braces(token))
    return tokens


def readme_paths() -> list:
    """Every path the README names in code. In the layout tree ("tests/   unit/, e2e/"),
    the names after a folder are inside that folder."""
    paths = set()
    for span in code_spans(README):
        for line in span.splitlines() or [span]:
            tokens = path_tokens(line)
            if len(tokens) > 1 and tokens[0].endswith("/") and re.match(r"^[\w.-]+/\s{2,}", line):
                folder = tokens[0]
                tokens = [folder] + [t if "/" in t.rstrip("/") else folder + t for t in tokens[1:]]
            paths.update(tokens)
    return sorted(paths)


def makefile_targets() -> set:
    return set(re.findall(r"^([\w.-]+):(?!=)", (ROOT / "Makefile").read_text(), flags=re.M))


def variables_read_by_the_code() -> set:
    names = set()
    for text in CODE.values():
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]*)(?::-|:\?|\})", text))  # shell, YAML
        names.update(re.findall(r"os\.(?:environ\.get\(|environ\[|getenv\()\s*[\"']([A-Z][A-Z0-9_]*)", text))
        names.update(re.findall(r"\b[A-Z_]*ENV\s*=\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))  # PATH_ENV = "..."
        names.update(re.findall(rf"\b((?:{'|'.join(PROJECT_PREFIXES)})[A-Z0-9_]+)\b", text))
    return names - SYSTEM_VARIABLES


def test_every_make_target_in_the_readme_exists():
    named = {m for span in code_spans(README) for m in re.findall(r"\bmake ([a-z][\w-]*)", span)}
    assert named, "the README names no make target"
    assert named <= makefile_targets(), sorted(named - makefile_targets())


@pytest.mark.parametrize("path", readme_paths())
def test_every_path_in_the_readme_exists(path):
    if any(part + "/" in OUTPUT_DIRS for part in Path(path).parts):
        return  # written by make run/train/test; its folder is in .gitignore
    if path.startswith(("faq/", "utter_faq/")):
        return  # an intent or response name, not a file
    assert list(ROOT.glob(path)) or (ROOT / path).exists(), f"README names {path}, which does not exist"


def test_readme_paths_are_found():
    # The parser itself: known paths from the README must be among those checked.
    assert {
        "domain.yml",
        "deploy/endpoints.postgres.yml",
        "tests/unit/trackers/*.json",
        "docs/bench.md",
    } <= set(readme_paths())


@pytest.mark.parametrize("name", sorted(variables_read_by_the_code()))
def test_every_environment_variable_the_code_reads_is_in_the_readme(name):
    assert re.search(rf"\b{name}\b", README), f"{name} is read by the code but not documented in README.md"


def test_every_project_variable_in_the_readme_is_used_by_the_code():
    named = set(re.findall(rf"\b((?:{'|'.join(PROJECT_PREFIXES)})[A-Z0-9_]+)\b", README))
    unused = {name for name in named if not any(re.search(rf"\b{name}\b", text) for text in CODE.values())}
    assert not unused, f"README.md names variables no code reads: {sorted(unused)}"


@pytest.mark.parametrize("variable", ["RASA_PORT", "ACTION_PORT", "WEB_PORT"])
def test_readme_ports_are_the_defaults_of_the_scripts(variable):
    default = re.search(rf"{variable}:-(\d+)", (ROOT / "scripts" / "common.sh").read_text())[1]
    assert re.search(rf"\| {default} \(`{variable}`\)", README), (
        f"README's port for {variable} is not {default}"
    )


def layout_lines() -> list:
    """The lines of the README's "Layout" code block that start with an entry name."""
    section = README.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```\n(.*?)^```", section, flags=re.S | re.M)[1]
    return [line for line in block.splitlines() if line and not line.startswith(" ")]


def test_layout_lists_every_top_level_entry_once_and_only_real_ones():
    """The Layout section is the map of the repository: one line per top-level entry, true."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    entries = {path.split("/", 1)[0] + ("/" if "/" in path else "") for path in tracked.stdout.split()}
    named = [line.split()[0] for line in layout_lines()]
    assert sorted(named) == sorted(entries)


def test_readme_has_a_table_of_contents_that_matches_its_sections():
    sections = re.findall(r"^## (.+)$", README, flags=re.M)
    toc = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- \[(.+?)\]\(#", toc, flags=re.M)
    assert listed == [s for s in sections if s != "Contents"]
