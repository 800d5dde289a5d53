"""The gaps report: what patients asked that the bot could not answer, grouped for staff."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot import gaps
from bot.cli import main
from bot.engine import Engine, Reply, ReplyKind
from bot.storage import SqliteSink, connect
from bot.storage.retention import DAY_SECONDS
from tests.conftest import KNOWLEDGE

NECK = ["do you treat neck pain", "Neck pain?", "can stem cells fix my neck pain", "neck pain"]
PARKING = ["where can i park", "parking near the clinic?"]
ALONE = "do you speak spanish"
NOW = 1_750_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def unanswered(question: str) -> Reply:
    return Reply(ReplyKind.NO_MATCH, question, "Sorry ...", "", score=20.0)


def clarify(engine: Engine, question: str, *entry_ids: str) -> Reply:
    offered = tuple(e for e in (engine.knowledge.entry(i) for i in entry_ids) if e is not None)
    assert len(offered) == len(entry_ids)
    return Reply(ReplyKind.CLARIFY, question, "Did you mean", "", None, offered, 48.0)


@pytest.fixture
def data_dir(tmp_path: Path, engine: Engine) -> Iterator[Path]:
    """A database as a week of patients would leave it."""
    clock = Clock()
    sink = SqliteSink(tmp_path / "data", clock=clock)
    clock.now = NOW - 40 * DAY_SECONDS
    sink.record_reply(1, unanswered("an old question about hip replacements"))
    sink.record_feedback(1, "standardization", helpful=False)
    clock.now = NOW
    user = 100
    for question in [*NECK, *PARKING, ALONE]:
        user += 1
        sink.record_reply(user, unanswered(question))
    sink.record_reply(101, unanswered(NECK[0]))  # the first patient asks again
    for question, pick in [
        ("how much $$$ roughly", "cost-and-insurance"),
        ("is it permanent", None),
    ]:
        user += 1
        ref = sink.record_reply(
            user, clarify(engine, question, "cost-and-insurance", "standardization")
        )
        assert ref is not None
        sink.record_choice(user, ref, pick)
    for helpful in (False, False, True):
        user += 1
        sink.record_feedback(user, "independent-evidence", helpful=helpful)
    sink.record_feedback(user, "cost-and-insurance", helpful=True)
    sink.close()
    yield tmp_path / "data"


def report(data_dir: Path, engine: Engine | None, days: int | None = None) -> gaps.GapsReport:
    conn = connect(data_dir / gaps.DB_FILENAME)
    try:
        return gaps.build_report(conn, engine=engine, since=gaps.since_days(NOW, days))
    finally:
        conn.close()


def grouped(texts: list[str], engine: Engine | None, **options: float) -> list[list[str]]:
    groups = gaps.group_similar(texts, gaps.Similarity(engine), **options)
    return [[texts[i] for i in group] for group in groups]


def test_similar_questions_are_grouped_and_different_ones_are_not(engine: Engine) -> None:
    alcohol = ["can I drink alcohol after the injection", "alcohol after injection?"]
    texts = [*NECK, ALONE, *PARKING, *alcohol]
    groups = grouped(texts, engine)
    assert sorted(map(sorted, groups)) == sorted(
        [sorted(NECK), sorted(PARKING), sorted(alcohol), [ALONE]]
    )
    assert [len(g) for g in groups] == [4, 2, 2, 1]  # biggest first


def test_shared_everyday_or_domain_words_do_not_make_a_group(engine: Engine) -> None:
    # "treat" and "pain" are shared, but they say nothing about the missing topic.
    assert len(grouped(["do you treat neck pain", "do you treat knee pain"], engine)) == 2
    assert len(grouped(["stem cells for neck pain", "stem cells for knee pain"], engine)) == 2


def test_typos_still_group(engine: Engine) -> None:
    assert len(grouped(["do you treat neck pain", "nek pain"], engine)) == 1
    assert len(grouped(["alcohol after injection?", "alcohl after the shot"], engine)) == 1


def test_a_vague_question_does_not_chain_two_groups(engine: Engine) -> None:
    texts = ["is there parking at the clinic"] * 2 + ["clinic opening hours"] * 2 + ["clinic?"]
    groups = grouped(texts, engine)
    assert len(groups) == 2
    assert all(len(set(g) - {"clinic?"}) == 1 for g in groups)


def test_the_threshold_decides_how_alike_is_alike(engine: Engine) -> None:
    similarity = gaps.Similarity(engine)
    pairs = [
        ["do you treat neck pain", "can stem cells fix my neck pain"],
        ["is there parking at the clinic", "parking for my wheelchair"],
        ["can I drink alcohol after the injection", "alcohol and the shot"],
    ]
    # As group_similar scores it: the second question against the first (the founder).
    scored = [
        (similarity.score(similarity.weights(b), similarity.weights(a)), [a, b]) for a, b in pairs
    ]
    score, pair = next((s, p) for s, p in scored if 0 < s < 100)
    assert len(grouped(pair, engine, threshold=score)) == 1
    assert len(grouped(pair, engine, threshold=score + 0.1)) == 2


def test_grouping_works_without_knowledge() -> None:
    assert len(grouped(["neck pain?", "do you treat neck pain", "parking"], None)) == 2


def test_report_counts_questions_people_picks_ratings_and_rejections(
    data_dir: Path, engine: Engine
) -> None:
    found = report(data_dir, engine, days=30)
    assert found.questions == len(NECK) + len(PARKING) + 1 + 1 + 2
    neck = found.unanswered[0]
    assert (neck.count, neck.people) == (len(NECK) + 1, len(NECK))
    assert neck.example == NECK[0]
    assert neck.closest is not None and engine.knowledge.entry(neck.closest) is not None
    assert all("hip" not in g.example for g in found.unanswered)  # older than 30 days
    grouped = {g.example: g.count for g in found.unanswered}
    assert grouped[PARKING[0]] == 2
    assert grouped[ALONE] == 1
    assert grouped["is it permanent"] == 1  # "none of these": still unanswered
    assert "how much $$$ roughly" not in grouped  # the patient found the entry
    assert found.picked == [gaps.PickedPhrasing("cost-and-insurance", 1, ("how much $$$ roughly",))]
    assert found.ratings == [gaps.EntryRating("independent-evidence", 2, 1)]
    assert [(r.entry_id, r.rejected, r.offered) for r in found.rejections] == [
        ("cost-and-insurance", 1, 2),
        ("standardization", 1, 2),
    ]


def test_the_whole_retention_period_by_default(data_dir: Path, engine: Engine) -> None:
    found = report(data_dir, engine)
    assert any("hip" in g.example for g in found.unanswered)
    assert gaps.EntryRating("standardization", 1, 0) in found.ratings


def test_questions_the_knowledge_now_answers_are_marked_and_last(
    data_dir: Path, engine: Engine
) -> None:
    canonical = engine.knowledge.entries[0].questions[0]
    sink = SqliteSink(data_dir)
    sink.record_reply(999, unanswered(canonical))  # asked before staff added the phrasing
    sink.close()
    with closing(connect(data_dir / gaps.DB_FILENAME)) as conn:
        found = gaps.build_report(conn, engine=engine)
    assert found.unanswered[-1].example == canonical
    assert found.unanswered[-1].now_answered == engine.knowledge.entries[0].id
    assert "now answered: " in gaps.format_text(found, "db")


def test_without_knowledge_the_report_still_works(data_dir: Path) -> None:
    found = report(data_dir, None, days=30)
    assert found.unanswered and all(g.closest is None for g in found.unanswered)
    assert "1. Unanswered questions" in gaps.format_text(found, "db")


def test_terminal_output_is_readable(data_dir: Path, engine: Engine) -> None:
    text = gaps.format_text(report(data_dir, engine, days=30), "data/bot.sqlite3")
    lines = text.splitlines()
    assert lines[0].startswith("Gaps report from data/bot.sqlite3 (since ")
    for heading in (
        "1. Unanswered",
        "2. Unsure questions",
        "3. Entries most often",
        "4. Did-you-mean",
    ):
        assert any(line.startswith(heading) for line in lines), heading
    assert '"do you treat neck pain"' in text
    assert "also:" in text
    assert max(len(line) for line in lines) <= 140


def test_cli_prints_the_report_and_csv(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(KNOWLEDGE))
    assert main(["gaps"]) == 0
    assert "1. Unanswered questions" in capsys.readouterr().out

    assert main(["gaps", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == list(gaps.CSV_COLUMNS)
    sections = {row["section"] for row in rows}
    assert sections == {"unanswered", "picked", "not_helpful", "rejected"}
    neck = next(row for row in rows if row["question"] == NECK[0])
    assert neck["count"] == str(len(NECK) + 1)
    assert "can stem cells fix my neck pain" in neck["similar_questions"]


def test_cli_without_a_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "empty"))
    assert main(["gaps"]) == 1
    assert "no stored questions yet" in capsys.readouterr().err
    assert not (tmp_path / "empty").exists()  # looking does not create anything


def test_csv_never_turns_patient_text_into_a_formula(tmp_path: Path, engine: Engine) -> None:
    sink = SqliteSink(tmp_path / "data", clock=Clock())
    for user, question in enumerate(['=HYPERLINK("http://x.example","click")', "+cmd|calc"]):
        sink.record_reply(user, unanswered(question))
    assert sink.flush()
    sink.close()
    conn = gaps.open_database(tmp_path / "data" / "bot.sqlite3")
    assert conn is not None
    with closing(conn):
        report = gaps.build_report(conn, engine=engine, since=0)
    out = io.StringIO()
    gaps.write_csv(report, out)
    questions = [row["question"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert questions and all(q.startswith("'") for q in questions)


def test_one_person_rating_an_entry_many_times_counts_once(tmp_path: Path) -> None:
    sink = SqliteSink(tmp_path / "data", clock=Clock())
    for _ in range(20):
        sink.record_feedback(7, "cost-and-insurance", helpful=False)
    sink.record_feedback(8, "cost-and-insurance", helpful=False)
    sink.record_feedback(9, "cost-and-insurance", helpful=False)
    sink.record_feedback(9, "cost-and-insurance", helpful=True)  # changed their mind
    assert sink.flush()
    sink.close()
    conn = gaps.open_database(tmp_path / "data" / "bot.sqlite3")
    assert conn is not None
    with closing(conn):
        report = gaps.build_report(conn, since=0)
    (rating,) = report.ratings
    assert (rating.entry_id, rating.not_helpful, rating.helpful) == ("cost-and-insurance", 2, 1)


def test_the_report_only_reads_the_database(data_dir: Path) -> None:
    database = data_dir / "bot.sqlite3"
    before = database.read_bytes()
    database.chmod(0o400)  # a staff account that may only read the bot's file
    try:
        conn = gaps.open_database(database)
        assert conn is not None
        with closing(conn):
            assert gaps.build_report(conn, since=0).unanswered
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("DELETE FROM questions")
    finally:
        database.chmod(0o600)
    assert database.read_bytes() == before
