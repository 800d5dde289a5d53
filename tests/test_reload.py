"""Live reload: edits go live without a restart, broken edits never do, no torn answers."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings
from bot.engine import Engine, Reply, ReplyKind
from bot.knowledge import Knowledge, load_knowledge
from bot.reload import KnowledgeReloader, scan
from bot.runtime import KnowledgeError, Runtime, build_runtime
from bot.services import ReloadOutcome
from bot.storage import SqliteSink
from tests.conftest import KNOWLEDGE, PLACEHOLDERS

NEW_QUESTION = "is there wheelchair access at the clinic"
ZEBRAS = "what colour are the clinic zebras"
WAIT_SECONDS = 60.0  # generous: behaviour is asserted, never speed


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge that the test may edit."""
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))


def engine_for(directory: Path) -> Engine:
    result = load_knowledge(directory)
    assert result.knowledge is not None, [str(p) for p in result.errors]
    return Engine(result.knowledge, PLACEHOLDERS)


def entry_file(kb: Path, entry_id: str) -> tuple[Path, list[str], int]:
    """The FAQ file holding ``entry_id``, its lines, and the index of its ``- id:`` line."""
    for path in sorted((kb / "faq").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for index, line in enumerate(lines):
            if line.strip() == f"- id: {entry_id}":
                return path, lines, index
    raise AssertionError(f"no entry {entry_id} in {kb}")


def add_phrasing(kb: Path, entry_id: str, phrasing: str) -> None:
    """What a member of staff does: one more line under the entry's ``questions:``."""
    path, lines, start = entry_file(kb, entry_id)
    at = next(i for i in range(start, len(lines)) if lines[i].strip() == "questions:")
    indent = lines[at + 1][: len(lines[at + 1]) - len(lines[at + 1].lstrip())]
    lines.insert(at + 1, f"{indent}- {phrasing}\n")
    path.write_text("".join(lines), encoding="utf-8")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


class Poller:
    """Calls ``poll`` in a thread, as the Telegram adapter does every few seconds."""

    def __init__(self, reloader: KnowledgeReloader, interval: float = 0.05) -> None:
        self.outcomes: list[ReloadOutcome] = []
        self._stop = threading.Event()
        self._reloader = reloader
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            outcome = self._reloader.poll()
            if outcome is not None:
                self.outcomes.append(outcome)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def runtime(kb: Path, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        knowledge_dir=kb,
        data_dir=tmp_path / "data",
    )
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


def test_runtime_wires_storage_and_reload(runtime: Runtime, tmp_path: Path) -> None:
    assert isinstance(runtime.sink, SqliteSink)
    assert isinstance(runtime.reloader, KnowledgeReloader)
    assert runtime.reloader.poll() is None  # nothing changed since start
    privacy = runtime.engine.composer.message(runtime.engine.knowledge.messages.privacy).text
    assert "90 days" in privacy
    assert "{" not in privacy
    assert runtime.sink.flush()
    assert (tmp_path / "data" / "bot.sqlite3").exists()


def test_an_edited_phrasing_is_answered_without_a_restart(runtime: Runtime, kb: Path) -> None:
    engine = runtime.engine
    before = engine.reply(NEW_QUESTION).entry
    target = "cost-and-insurance" if before and before.id == "talk-to-staff" else "talk-to-staff"
    assert isinstance(runtime.reloader, KnowledgeReloader)

    with Poller(runtime.reloader) as poller:
        add_phrasing(kb, target, NEW_QUESTION)

        def answered() -> bool:
            reply = engine.reply(NEW_QUESTION)
            return reply.entry is not None and reply.entry.id == target

        wait_for(answered, "the new phrasing to be answered")
    assert poller.outcomes and poller.outcomes[-1].swapped
    assert engine.reply(NEW_QUESTION).kind is ReplyKind.ANSWER


def test_a_broken_edit_keeps_the_old_answers_and_reports_file_and_line(
    kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = engine_for(kb)
    reloader = KnowledgeReloader(engine, kb, settle_seconds=0)
    question = engine.knowledge.entry("talk-to-staff").questions[0]  # type: ignore[union-attr]
    good = engine.reply(question)
    assert good.entry is not None and good.entry.id == "talk-to-staff"
    old_knowledge = engine.knowledge

    path, lines, start = entry_file(kb, "talk-to-staff")
    lines.insert(start + 1, "    colour: blue\n")  # a key the format does not have
    path.write_text("".join(lines), encoding="utf-8")
    add_phrasing(kb, "cost-and-insurance", NEW_QUESTION)  # a valid edit in the same save

    caplog.set_level(logging.INFO)
    outcome = reloader.poll()
    assert outcome is not None
    assert outcome.failed and not outcome.swapped
    expected = f"{path}:{start + 2}: unknown key 'colour'"
    messages = [str(p) for p in outcome.problems]
    assert any(m.startswith(expected) for m in messages), messages
    assert engine.knowledge is old_knowledge
    assert engine.reply(question).text == good.text
    assert engine.reply(NEW_QUESTION).entry is None or (
        engine.reply(NEW_QUESTION).entry.id != "cost-and-insurance"  # type: ignore[union-attr]
    )
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(expected in r.getMessage() for r in errors)
    assert reloader.poll() is None  # reported once, not on every poll

    lines.pop(start + 1)
    path.write_text("".join(lines), encoding="utf-8")
    add_phrasing(kb, "cost-and-insurance", NEW_QUESTION)
    fixed = reloader.poll()
    assert fixed is not None and fixed.swapped and not fixed.failed
    reply = engine.reply(NEW_QUESTION)
    assert reply.entry is not None and reply.entry.id == "cost-and-insurance"


def test_a_deleted_directory_keeps_the_old_knowledge(kb: Path) -> None:
    engine = engine_for(kb)
    reloader = KnowledgeReloader(engine, kb, settle_seconds=0)
    old = engine.knowledge
    shutil.rmtree(kb)
    outcome = reloader.poll()
    assert outcome is not None and outcome.failed
    assert "no such knowledge directory" in str(outcome.problems[0])
    assert engine.knowledge is old


def test_warnings_alone_do_not_stop_a_reload(kb: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = engine_for(kb)
    reloader = KnowledgeReloader(engine, kb, settle_seconds=0)
    write_test_entry(kb, engine.knowledge, "A", phrasings=2)  # fewer phrasings than advised
    caplog.set_level(logging.INFO)
    outcome = reloader.reload_now()
    assert outcome.swapped and not outcome.failed
    assert outcome.problems and all(p.severity == "warning" for p in outcome.problems)
    assert engine.knowledge.entry("reload-test") is not None
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_crash_while_loading_keeps_the_old_knowledge(kb: Path) -> None:
    engine = engine_for(kb)
    old = engine.knowledge

    def explode(directory: Path) -> Any:
        raise MemoryError("simulated")

    reloader = KnowledgeReloader(engine, kb, settle_seconds=0, loader=explode)
    outcome = reloader.reload_now()
    assert outcome.failed
    assert "previous version is still serving" in str(outcome.problems[0])
    assert engine.knowledge is old


def test_reload_now_reloads_even_without_changes(kb: Path) -> None:
    engine = engine_for(kb)
    reloader = KnowledgeReloader(engine, kb, settle_seconds=0)
    old = engine.knowledge
    assert reloader.poll() is None
    outcome = reloader.reload_now()
    assert outcome.swapped
    assert engine.knowledge is not old
    assert reloader.poll() is None


def test_editor_swap_files_do_not_trigger_a_reload(kb: Path) -> None:
    reloader = KnowledgeReloader(engine_for(kb), kb, settle_seconds=0)
    (kb / "faq" / ".about.yaml.swp").write_bytes(b"\0vim swap")
    (kb / "faq" / "about.yaml~").write_text("backup")
    assert reloader.poll() is None


def test_a_same_size_edit_within_one_timestamp_tick_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("answer: version A\n")
    stamp = path.stat().st_mtime_ns
    before, _ = scan(tmp_path)
    path.write_text("answer: version B\n")
    os.utime(path, ns=(stamp, stamp))  # the filesystem's clock did not tick
    assert path.stat().st_size == before["faq.yaml"].size
    after, changed = scan(tmp_path, before)
    assert changed
    assert scan(tmp_path, after) == (after, False)


def test_adding_and_removing_files_is_seen(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    first, _ = scan(tmp_path)
    (tmp_path / "faq" / "new.yaml").write_text("entries: []\n")
    second, changed = scan(tmp_path, first)
    assert changed
    (tmp_path / "faq" / "new.yaml").unlink()
    assert scan(tmp_path, second)[1]


# --- 100 questions during 20 reloads ---------------------------------------------------


def write_test_entry(kb: Path, knowledge: Knowledge, version: str, phrasings: int = 4) -> None:
    """An entry whose answer and one phrasing say which version is serving.

    Both versions have the same size, so consecutive saves may share a timestamp.
    """
    model = next(e for e in knowledge.entries if e.source.quote)
    source = {"id": model.source.id, "quote": model.source.quote}
    if model.source.section:
        source["section"] = model.source.section
    questions = [ZEBRAS, "zebras at the clinic", f"reload test {version}", "striped horses"]
    entry = {
        "id": "reload-test",
        "category": model.category,
        "title": "Reload test",
        "questions": questions[:phrasings],
        "answer": f"According to the clinic's article, this is version {version}.",
        "source": source,
    }
    text = yaml.safe_dump({"entries": [entry]}, allow_unicode=True, sort_keys=False)
    (kb / "faq" / "zz-reload-test.yaml").write_text(text, encoding="utf-8")


def signature(reply: Reply) -> tuple[object, ...]:
    """Everything the patient would see of a reply."""
    entry = reply.entry.id if reply.entry else None
    return (
        reply.kind,
        reply.text,
        reply.html,
        entry,
        reply.score,
        *(e.id for e in reply.suggestions),
    )


def test_100_questions_during_20_reloads_all_get_complete_consistent_answers(
    kb: Path, tmp_path: Path
) -> None:
    shipped = engine_for(kb).knowledge
    questions = [
        ZEBRAS,
        "reload test A",
        "reload test B",
        *(e.questions[0] for e in shipped.entries[:8]),
        "what is the capital of mongolia",
        "numbness around my privates and my back is sore",
    ]
    # What each version must answer, from engines that never reload.
    expected: dict[str, dict[str, tuple[object, ...]]] = {}
    for name in "AB":
        copy = Path(shutil.copytree(kb, tmp_path / f"expected-{name}"))
        write_test_entry(copy, shipped, name)
        fixed = engine_for(copy)
        expected[name] = {q: signature(fixed.reply(q)) for q in questions}
    assert expected["A"][ZEBRAS] != expected["B"][ZEBRAS]

    write_test_entry(kb, shipped, "B")
    engine = engine_for(kb)
    reloader = KnowledgeReloader(engine, kb, settle_seconds=0)

    def version(generation: int) -> str:
        return "A" if generation % 2 else "B"

    lock = threading.Condition()
    committed = 0  # swaps finished: every question started later sees at least this one
    started = 0  # swaps begun: no question can see a later one
    pinned: dict[int, int] = {}  # generation -> questions asked wholly within it
    asked = 0
    failures: list[str] = []
    stop = threading.Event()

    def ask(worker: int) -> None:
        nonlocal asked
        i = worker
        while not stop.is_set():
            question = questions[i % len(questions)]
            i += 1
            with lock:
                first = committed
            try:
                got = signature(engine.reply(question))
            except Exception as error:  # a torn state would show up as a crash
                failures.append(f"{question!r}: {type(error).__name__}: {error}")
                return
            with lock:
                last = started
                asked += 1
                if first == last:
                    pinned[first] = pinned.get(first, 0) + 1
                lock.notify_all()
            allowed = {version(g) for g in range(first, last + 1)}
            if not any(got == expected[v][question] for v in allowed):
                failures.append(f"{question!r} between versions {sorted(allowed)}: {got}")
            time.sleep(0.01)

    askers = [threading.Thread(target=ask, args=(n,), daemon=True) for n in range(4)]
    for thread in askers:
        thread.start()
    try:
        for generation in range(1, 21):
            write_test_entry(kb, shipped, version(generation))
            with lock:
                started = generation
            outcome = reloader.poll()
            assert outcome is not None and outcome.swapped, outcome
            with lock:
                committed = generation
                # At least five questions served by this version alone before the next.
                ok = lock.wait_for(
                    lambda g=generation: pinned.get(g, 0) >= 5 or bool(failures),  # type: ignore[misc]
                    timeout=WAIT_SECONDS,
                )
            assert ok, f"questions stalled at reload {generation}"
            assert not failures, failures[:5]
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert not failures, failures[:5]
    assert asked >= 100
    assert all(pinned.get(g, 0) >= 5 for g in range(1, 21))
    assert signature(engine.reply(ZEBRAS)) == expected["B"][ZEBRAS]  # 20 swaps: back to B


def test_an_edit_inside_a_symlinked_folder_is_seen(tmp_path: Path) -> None:
    real = tmp_path / "real-faq"
    real.mkdir()
    (real / "main.yaml").write_text("entries: []\n", encoding="utf-8")
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq").symlink_to(real, target_is_directory=True)
    snapshot, _ = scan(kb)
    (real / "main.yaml").write_text("entries: [] # edited\n", encoding="utf-8")
    _, changed = scan(kb, snapshot)
    assert changed


def test_a_symlink_loop_does_not_hang_the_scan(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / "faq").mkdir(parents=True)
    (kb / "faq" / "back").symlink_to(kb, target_is_directory=True)
    snapshot, _ = scan(kb)
    assert snapshot is not None


def test_a_restart_with_broken_knowledge_serves_the_last_good_copy(
    kb: Path, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        knowledge_dir=kb,
        data_dir=tmp_path / "data",
    )
    first = build_runtime(settings)  # a good start keeps a copy in DATA_DIR
    first.close()
    assert (tmp_path / "data" / "last-good-knowledge" / "faq").is_dir()

    path, lines, start = entry_file(kb, "talk-to-staff")
    lines.insert(start + 1, "    colour: blue\n")
    path.write_text("".join(lines), encoding="utf-8")
    second = build_runtime(settings)  # the server restarts with the broken edit
    assert any("unknown key 'colour'" in str(p) for p in second.startup_problems)
    assert second.engine.reply("how much does it cost").kind is ReplyKind.ANSWER

    lines.pop(start + 1)  # staff fix the file: the live reload picks it up
    path.write_text("".join(lines), encoding="utf-8")
    add_phrasing(kb, "cost-and-insurance", NEW_QUESTION)
    assert isinstance(second.reloader, KnowledgeReloader)
    outcome = second.reloader.reload_now()
    assert outcome.swapped
    reply = second.engine.reply(NEW_QUESTION)
    assert reply.entry is not None and reply.entry.id == "cost-and-insurance"
    copy = load_knowledge(tmp_path / "data" / "last-good-knowledge").knowledge
    assert copy is not None and NEW_QUESTION in copy.entry("cost-and-insurance").questions  # type: ignore[union-attr]
    second.close()


def test_broken_knowledge_and_no_copy_stops_with_the_problems(kb: Path, tmp_path: Path) -> None:
    path, lines, start = entry_file(kb, "talk-to-staff")
    lines.insert(start + 1, "    colour: blue\n")
    path.write_text("".join(lines), encoding="utf-8")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        knowledge_dir=kb,
        data_dir=tmp_path / "data",
    )
    with pytest.raises(KnowledgeError, match="unknown key 'colour'"):
        build_runtime(settings)
