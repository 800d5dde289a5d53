"""The benchmark code on tiny made-up data sets, so it cannot rot between runs.

Offline and fast: no torch (MiniLM is left out), BM25 only when ``bm25s`` is installed,
the plot only when matplotlib is. The real run is ``python -m benchmarks.run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import clinc, datasets, ourkb, report, scoring, speed, stackfaq, synthetic
from benchmarks.peers import EngineRetriever, WRatioRetriever, build_entries
from bot.evaluation import Case
from bot.knowledge import DEFAULT_DIR, Knowledge, load_knowledge

THREADS = [
    (
        "How do I delete my Facebook account?",
        ["How can I remove my facebook account for good?", "*", "Deleting my FB account."],
    ),
    (
        "Strikethrough text in Gmail",
        ["How to cross out text in gmail?", None, "Making gmail text strikethrough."],
    ),
    (
        "How do I download a YouTube video?",
        ["Saving a youtube video to my disk.", "Can I download videos from youtube?"],
    ),
    (
        "Embed a Google spreadsheet in a Google document",
        ["Putting a google sheet inside a google doc.", "Insert spreadsheet into google docs"],
    ),
]

INTENTS = {
    "weather": ["what is the weather today", "will it rain tomorrow", "weather forecast please"],
    "transfer": ["send money to my savings", "transfer cash between accounts", "move funds"],
    "alarm": ["set an alarm for 7 am", "wake me up at six", "alarm for tomorrow morning"],
}


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    knowledge = load_knowledge(DEFAULT_DIR).knowledge
    assert knowledge is not None
    return knowledge


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    qapairs = [
        {"question": q, "rephr": r, "answer": ["An answer.", "Another answer."]} for q, r in THREADS
    ]
    (tmp_path / "stackfaq").mkdir()
    (tmp_path / datasets.STACKFAQ_FILE).write_text(
        json.dumps({"root": {"qapair": qapairs}}), encoding="utf-8"
    )
    rows = [[text, intent] for intent, texts in INTENTS.items() for text in texts]
    data = {
        "train": rows,
        "val": [["is it going to rain", "weather"], ["move money to savings", "transfer"]],
        "test": [["rain forecast for today", "weather"], ["wake me at 7", "alarm"]],
        "oos_val": [["who won the football", "oos"]],
        "oos_test": [["what is the capital of peru", "oos"]],
        "oos_train": [],
    }
    (tmp_path / "clinc150").mkdir()
    (tmp_path / datasets.CLINC_FILE).write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_missing_data_sets_say_where_to_download(tmp_path: Path) -> None:
    problems = datasets.missing(tmp_path)
    assert len(problems) == 2
    assert "curl -L -o" in problems[0] and "https://" in problems[0]
    with pytest.raises(datasets.DatasetMissing, match=r"data_full\.json"):
        datasets.load_clinc(tmp_path)


def test_stackfaq_settings_skip_junk_rephrasings(data_dir: Path) -> None:
    cold = datasets.load_stackfaq(data_dir, "cold")
    curated = datasets.load_stackfaq(data_dir, "curated")
    assert cold.notes["skipped_rephrasings"] == 2
    assert len(cold.queries) == 8 and all(len(i.phrasings) == 1 for i in cold.items)
    assert len(curated.items[0].phrasings) == 3  # question + the two usable rephrasings
    assert curated.queries == []  # fewer than four rephrasings each: none left to ask
    assert cold.items[0].pairs == 2


def test_threshold_procedure_and_metrics() -> None:
    cases = [
        Case("a", ("x",), 1),
        Case("b", ("y",), 2),
        Case("c", ("no-answer",), 3),
        Case("d", ("no-answer",), 4),
    ]
    rankings = [[("x", 0.9)], [("y", 0.7)], [("x", 0.4)], [("y", 0.75)]]
    threshold = scoring.choose_threshold(cases, rankings)
    # answering from 0.7 up or from 0.9 up both give top-1 + no-answer = 1.5; the gaps
    # are (0.4, 0.7] and (0.75, 0.9], and the later one's midpoint is taken
    assert threshold == pytest.approx(0.825)
    metrics = scoring.report(cases, scoring.predictions(rankings, 0.5)).metrics
    assert metrics["top1"] == 1.0 and metrics["no_answer"] == 0.5
    fixed = ["smalltalk", None, None, None]
    preds = scoring.predictions(rankings, 0.5, fixed)
    assert preds[0].kind == "smalltalk" and preds[0].ranked == ("x",)


def test_pair_level_metrics() -> None:
    rankings = [[("b", 1.0), ("a", 0.5)]]
    m = scoring.ranking_metrics(["a"], rankings, {"a": 2, "b": 3})
    assert m["p1"] == 0 and m["mrr"] == 0.5
    # pairs: b b b a a -> relevant at positions 4 and 5
    assert m["p5_pairs"] == pytest.approx(2 / 5)
    assert m["mrr_pairs"] == pytest.approx(1 / 4)
    assert m["map_pairs"] == pytest.approx((1 / 4 + 2 / 5) / 2)


def test_peers_rank_entries(shipped: Knowledge, data_dir: Path) -> None:
    items = datasets.load_stackfaq(data_dir, "cold").items
    entries = build_entries(items)
    engine = EngineRetriever.for_entries(shipped, entries)
    top = engine.rank("remove my facebook account", 3)
    assert top[0][0] == items[0].id
    assert engine.decide(top, 100.0) == ("no_match", None)
    assert engine.decide(top, 0.0) == ("answer", items[0].id)
    wratio = WRatioRetriever(entries)
    assert wratio.rank("Strikethrough text in Gmail", 1)[0] == (items[1].id, 100.0)
    assert wratio.rank("Strikethrough text in Gmail", 3)[0][0] == items[1].id


def test_sections_run_end_to_end(shipped: Knowledge, data_dir: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        "- {ask: 'how much does it cost', expect: cost-and-insurance}\n"
        "- {ask: 'where do they inject the cells', expect: injection-sites}\n"
        "- {ask: 'who won the champions league', expect: no-answer}\n"
        "- {ask: 'thanks!', expect: no-answer}\n",
        encoding="utf-8",
    )
    results = {
        "ourkb": ourkb.run(
            shipped, {"dev": cases, "test": cases}, with_minilm=False, log=lambda _: None
        ),
        "stackfaq": stackfaq.run(shipped, data_dir, with_minilm=False, log=lambda _: None),
        "clinc": clinc.run(shipped, data_dir, with_minilm=False, log=lambda _: None),
    }
    shipped_engine = results["ourkb"]["methods"]["engine (as shipped)"]
    assert shipped_engine["dev"]["top3"] == 1.0  # the engine's own quality is tested elsewhere
    assert shipped_engine["dev"]["no_answer"] is not None
    assert "rapidfuzz WRatio" in results["ourkb"]["methods"]
    assert results["stackfaq"]["cold"]["methods"]["engine"]["p1"] >= 0.5
    engine_clinc = results["clinc"]["methods"]["engine"]
    assert engine_clinc["test"]["in_scope"] == 2 and engine_clinc["test"]["out_of_scope"] == 1

    row = speed.measure(30, runs=1, queries_per_run=10, load_runs=1, workdir=tmp_path, pin=False)
    sizes = [row]
    assert sizes[0]["entries"] == 30 and sizes[0]["p99_ms"] > 0 and sizes[0]["peak_mb"] > 0
    results["speed"] = sizes
    results["meta"] = {
        "date": "today",
        "commit": "abc",
        "data_arg": "data",
        "elapsed_s": 1.0,
        "machine": {
            "cpu": "cpu",
            "cores": 1,
            "memory_gb": 1.0,
            "os": "os",
            "python": "3",
            "libraries": {},
            "load_start": 0.0,
            "load_end": 0.0,
        },
    }
    text = report.render(results, "plot.png")
    for heading in ("## 1. Our", "## 2. StackFAQ", "## 3. CLINC150", "## 4. Speed"):
        assert heading in text
    matplotlib = pytest.importorskip("matplotlib")
    assert matplotlib is not None
    from benchmarks import plot

    assert plot.plot(results, tmp_path / "plot.png").stat().st_size > 10_000


def test_synthetic_knowledge_loads_with_every_check(shipped: Knowledge, tmp_path: Path) -> None:
    vocab = synthetic.vocabulary(shipped, pseudo=2_000)
    entries = synthetic.generate(40, vocab)
    directory = synthetic.write_knowledge(
        tmp_path / "kb", entries, DEFAULT_DIR / "sources" / "uc-msc-back-pain.txt"
    )
    result = load_knowledge(directory)
    assert result.knowledge is not None, result.errors[:3]
    assert len(result.knowledge.entries) == 40
    asked = synthetic.queries(entries, vocab, 30, seed=1)
    assert len(asked) == 30 and any(target is None for _, target in asked)
