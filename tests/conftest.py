"""Shared fixtures: the shipped knowledge, a loaded engine, and tiny knowledge bases."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
SAMPLE_CASES = SHARED / "eval" / "sample-cases.yaml"
# The shared sample cases live next to the project, not in it; a checkout elsewhere
# skips what needs them rather than failing.
needs_sample_cases = pytest.mark.skipif(
    not SAMPLE_CASES.exists(), reason=f"{SAMPLE_CASES} is not there"
)

PLACEHOLDERS = {
    "emergency_number": "999",
    "crisis_line": "Samaritans on 116 123",
    "clinic_contact": "the front desk on 0123",
}

ARTICLE = """\
An opening paragraph that says back pain is common.
First Heading
The first section says the treatment is quick.
- A list item \u2013 with an en dash.
Second Heading
The second section says costs vary between clinics.
"""

SOURCES = """\
sources:
  - id: article
    title: "Test article"
    file: sources/article.txt
  - id: other
    title: "Another source"
"""

FAQ = """\
entries:
  - id: quick-treatment
    category: treatment
    title: How quick it is
    questions:
      - How quick is the treatment?
      - Does it take long?
      - how long does the treatment take
      - treatment duration
    answer: The article states the treatment is quick.
    source:
      id: article
      section: First Heading
      quote: "The first section says the treatment is quick."
    related: [costs]
  - id: costs
    category: treatment
    title: What it costs
    questions:
      - What does it cost?
      - price of treatment
      - is it expensive
      - how much do I pay
    answer: The article states that costs vary between clinics.
    source:
      id: article
      section: Second Heading
      quote: "costs vary between clinics"
"""


def write_kb(root: Path, files: dict[str, str | None]) -> Path:
    """A knowledge directory with the given files (safety, messages... borrowed)."""
    kb = root / "kb"
    defaults = {
        "sources.yaml": SOURCES,
        "sources/article.txt": ARTICLE,
        "faq/main.yaml": FAQ,
    }
    for name, text in {**defaults, **files}.items():
        if text is None:
            continue
        path = kb / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return kb


@pytest.fixture
def make_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Writes ``kb/`` under a temporary directory and works from there, so problems
    read ``kb/faq/main.yaml:LINE: ...`` exactly as staff would see them."""
    monkeypatch.chdir(tmp_path)

    def make(files: dict[str, str | None] | None = None) -> Path:
        write_kb(tmp_path, files or {})
        return Path("kb")

    return make


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    result = load_knowledge(KNOWLEDGE)
    assert result.knowledge is not None, "\n".join(map(str, result.errors))
    return result.knowledge


@pytest.fixture(scope="session")
def example_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's engine keeps the knowledge's example vectors (knowledge text
    only), for the commands the tests start: each would spend some 20 seconds of CPU
    encoding them again."""
    return tmp_path_factory.mktemp("vectors") / "example-vectors.npz"


@pytest.fixture(scope="session")
def engine(knowledge: Knowledge, example_vectors: Path) -> Engine:
    return Engine(knowledge, PLACEHOLDERS, vector_cache=example_vectors)


@pytest.fixture
def data_dir(tmp_path: Path, engine: Engine, example_vectors: Path) -> Path:
    """A data directory of a test's own for a command it starts, with the example
    vectors the session's engine wrote (none without the sentence model)."""
    data = tmp_path / "data"
    data.mkdir()
    if example_vectors.exists():
        shutil.copyfile(example_vectors, data / example_vectors.name)
    return data
