"""Every error a clinic employee can make comes back as file:line: what to change."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import Severity, load_knowledge
from tests.conftest import FAQ, KNOWLEDGE, ROOT, SOURCES

MakeKb = Callable[..., Path]


def problems_of(kb: Path) -> list[str]:
    return [str(p) for p in load_knowledge(kb).problems]


def only_problem(kb: Path) -> str:
    found = problems_of(kb)
    assert len(found) == 1, found
    return found[0]


def test_valid_base_loads_cleanly(make_kb: MakeKb) -> None:
    result = load_knowledge(make_kb())
    assert result.problems == []
    assert result.knowledge is not None
    assert [e.id for e in result.knowledge.entries] == ["quick-treatment", "costs"]


def test_shipped_knowledge_is_valid() -> None:
    result = load_knowledge(KNOWLEDGE)
    assert result.errors == [], [str(p) for p in result.errors]
    assert result.knowledge is not None


def test_yaml_syntax_error_names_the_line(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: How quick it is", "    title: How quick: it is")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:4: YAML syntax error")
    assert "double quotes" in message


def test_invisible_control_character_names_the_line(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: How quick it is", "    title: How quick\x07 it is")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:4: the file holds an invisible control")


def test_impossible_date_is_reported_not_raised(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: How quick it is", "    title: 2020-13-45")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:4: a value here cannot be read")
    assert "double quotes" in message


def test_unclosed_quote_is_explained(make_kb: MakeKb) -> None:
    broken = FAQ.replace('quote: "costs vary between clinics"', 'quote: "costs vary between')
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert "faq/main.yaml:" in message
    assert "YAML syntax error" in message


def test_tab_indentation(make_kb: MakeKb) -> None:
    broken = FAQ.replace(
        "    category: treatment\n    title: How quick",
        "\tcategory: treatment\n    title: How quick",
        1,
    )
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message == (
        "kb/faq/main.yaml:3: a tab is used for indentation; YAML needs spaces: replace the "
        "tab with spaces (two per level)"
    )


def test_unknown_key_suggests_the_nearest(make_kb: MakeKb) -> None:
    broken = FAQ.replace(
        "    answer: The article states the treatment",
        "    answr: The article states the treatment",
    )
    found = problems_of(make_kb({"faq/main.yaml": broken}))
    assert "kb/faq/main.yaml:10: unknown key 'answr': did you mean 'answer'?" in found[1]
    assert (
        found[0] == "kb/faq/main.yaml:2: missing required key 'answer': add 'answer:' to this block"
    )


def test_missing_required_key(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: What it costs\n", "")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:16: missing required key 'title': add 'title:' to this block"
    )


def test_wrong_type(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: What it costs", "    title: 2024")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:18: 'title' must be text, but it is a number; put the value in "
        "double quotes"
    )


def test_yes_no_words_need_quotes(make_kb: MakeKb) -> None:
    broken = FAQ.replace("      - is it expensive", "      - no")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:22: 'questions' must be text")
    assert "double quotes" in message


def test_questions_must_be_a_list(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    related: [costs]", "    related: costs")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:15: 'related' must be a list")


def test_duplicate_ids_across_files(make_kb: MakeKb) -> None:
    second = FAQ.split("  - id: costs")[0].replace("related: [costs]", "related: []")
    second = second.replace("How quick is the treatment?", "Is it over fast?")
    second = second.replace("Does it take long?", "Will it be over soon?")
    second = second.replace("how long does the treatment take", "minutes it lasts")
    second = second.replace("treatment duration", "length of the session")
    found = problems_of(make_kb({"faq/other.yaml": second}))
    assert found == [
        "kb/faq/other.yaml:2: duplicate id 'quick-treatment': already used at "
        "kb/faq/main.yaml:2; give this entry a different id (ids must be unique across "
        "all files)"
    ]


def test_duplicate_yaml_key_in_one_block(make_kb: MakeKb) -> None:
    broken = FAQ.replace(
        "    title: What it costs\n", "    title: What it costs\n    title: Price\n"
    )
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:19: the key 'title' is written twice in the same block (first on "
        "line 18); keep one of them"
    )


def test_same_phrasing_in_two_entries(make_kb: MakeKb) -> None:
    broken = FAQ.replace("      - is it expensive", "      - Does it take long?")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:22: the same phrasing is already in entry 'quick-treatment' "
        "(kb/faq/main.yaml:7); a question can lead to one entry only: remove or reword one "
        "of them"
    )


def test_near_identical_phrasings_warn(make_kb: MakeKb) -> None:
    broken = FAQ.replace("      - is it expensive", "      - the treatment, how long does it take?")
    result = load_knowledge(make_kb({"faq/main.yaml": broken}))
    assert [str(p) for p in result.problems] == [
        "kb/faq/main.yaml:22: warning: near-identical to a phrasing of entry "
        "'quick-treatment' (kb/faq/main.yaml:8): they would steal each other's matches; "
        "reword one so it says what is different"
    ]
    assert result.problems[0].severity is Severity.WARNING
    assert result.knowledge is not None, "warnings must not stop the bot loading"


def test_typo_level_near_identical_phrasings_warn(make_kb: MakeKb) -> None:
    broken = FAQ.replace("      - is it expensive", "      - how long does the treatmnt take")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:22: warning: near-identical")


def test_unknown_related_id(make_kb: MakeKb) -> None:
    broken = FAQ.replace("related: [costs]", "related: [cost]")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:15: unknown related id 'cost' (did you mean 'costs'?): use the "
        "id of an existing entry"
    )


def test_unknown_source_id(make_kb: MakeKb) -> None:
    broken = FAQ.replace(
        "      id: article\n      section: Second", "      id: articel\n      section: Second"
    )
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:26: unknown source id 'articel' (did you mean 'article'?): use an "
        "id listed in kb/sources.yaml"
    )


def test_quote_not_in_source_shows_closest_text(make_kb: MakeKb) -> None:
    broken = FAQ.replace('"costs vary between clinics"', '"costs differ between clinics"')
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith(
        "kb/faq/main.yaml:28: quote not found in sources/article.txt: it must be copied "
        "word for word. The closest text there is:"
    )
    assert "between clinics" in message


def test_quote_folds_quote_styles_dashes_and_spaces(make_kb: MakeKb) -> None:
    typed = FAQ.replace(
        '"The first section says the treatment is quick."',
        '"A list item - with  an en dash."',
    )
    assert problems_of(make_kb({"faq/main.yaml": typed})) == []


def test_quote_in_another_section(make_kb: MakeKb) -> None:
    broken = FAQ.replace("section: Second Heading", "section: First Heading")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:27: the quote is under the heading 'Second Heading': set "
        "'section: Second Heading'"
    )


def test_section_not_a_heading(make_kb: MakeKb) -> None:
    broken = FAQ.replace("section: Second Heading", "section: Second Headng")
    assert only_problem(make_kb({"faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:27: section 'Second Headng' is not a heading of "
        "sources/article.txt (did you mean 'Second Heading'?); copy the heading exactly"
    )


def test_introduction_quotes_need_no_section(make_kb: MakeKb) -> None:
    intro = FAQ.replace(
        '      section: Second Heading\n      quote: "costs vary between clinics"',
        '      quote: "back pain is common"',
    )
    assert problems_of(make_kb({"faq/main.yaml": intro})) == []


def test_over_long_fields(make_kb: MakeKb) -> None:
    broken = FAQ.replace("    title: What it costs", "    title: " + "x" * 45)
    long_answer = "y " * 700 + "costs vary between clinics."
    broken = broken.replace(
        "    answer: The article states that costs vary between clinics.",
        "    answer: " + long_answer,
    )
    assert problems_of(make_kb({"faq/main.yaml": broken})) == [
        "kb/faq/main.yaml:18: 'title' is 45 characters long; the limit is 40: shorten it",
        f"kb/faq/main.yaml:24: 'answer' is {len(long_answer)} characters long; the limit is "
        "1200: shorten it",
    ]


def test_bad_id_format_suggests_one(make_kb: MakeKb) -> None:
    broken = FAQ.replace("  - id: costs", "  - id: Costs And Fees")
    broken = broken.replace("related: [costs]", "related: []")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:16: 'Costs And Fees' is not a valid id")
    assert "'costs-and-fees'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- id: x\n",
            "kb/faq/main.yaml:1: the file has the wrong shape: it must start with 'entries:'",
        ),
        ("", "kb/faq/main.yaml:1: the file is empty; it must start with 'entries:'"),
        ("questions: []\n", "kb/faq/main.yaml:1: unknown key 'questions'"),
    ],
)
def test_file_that_is_not_a_mapping_with_entries(make_kb: MakeKb, text: str, expected: str) -> None:
    found = problems_of(make_kb({"faq/main.yaml": text}))
    assert any(p.startswith(expected) for p in found), found


def test_unknown_category_with_topics_file(make_kb: MakeKb) -> None:
    topics = "categories:\n  - id: treatment\n    title: Treatment\n"
    broken = FAQ.replace(
        "    category: treatment\n    title: What", "    category: treatmnt\n    title: What"
    )
    assert only_problem(make_kb({"topics.yaml": topics, "faq/main.yaml": broken})) == (
        "kb/faq/main.yaml:17: unknown category 'treatmnt' (did you mean 'treatment'?): use "
        "one of treatment, or add it to kb/topics.yaml"
    )


def test_unknown_placeholder_in_answer(make_kb: MakeKb) -> None:
    broken = FAQ.replace("costs vary between clinics.\n", "costs vary. Call {clinic_phone}.\n")
    message = only_problem(make_kb({"faq/main.yaml": broken}))
    assert message.startswith("kb/faq/main.yaml:24: unknown placeholder '{clinic_phone}'")
    assert "{clinic_contact}" in message


def test_missing_source_file(make_kb: MakeKb) -> None:
    kb = make_kb({"sources.yaml": SOURCES.replace("sources/article.txt", "sources/missing.txt")})
    found = problems_of(kb)
    assert found[0].startswith(
        "kb/sources.yaml:4: source file 'sources/missing.txt' cannot be read"
    )


def test_safety_rule_with_unknown_term(make_kb: MakeKb) -> None:
    safety = """\
    terms:
      numb: [numb*]
    rules:
      - id: r
        kind: urgent
        all: [numbb]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert (
        "kb/safety.yaml:6: unknown term list 'numbb' (did you mean 'numb'?): name a list "
        "defined under 'terms'" in found
    )


def test_safety_wildcard_syntax(make_kb: MakeKb) -> None:
    safety = """\
    terms:
      numb: ["*numb", "when i was 1*", "no*"]
    rules:
      - id: r
        kind: urgent
        all: [numb]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:2: '*numb': a '*' may only end a word of at least 3 letters, as in "
        "'numb*' (matches numb, numbness, numbed), or a number, as in '19*'",
        "kb/safety.yaml:2: 'no*': a '*' may only end a word of at least 3 letters, as in "
        "'numb*' (matches numb, numbness, numbed), or a number, as in '19*'",
    ]


def test_safety_count_placeholder_syntax(make_kb: MakeKb) -> None:
    safety = """\
    terms:
      pills: ["took <count> pills", "took <number> pills"]
    never_alarm: ["<count>", "<cout> mg"]
    rules:
      - id: r
        kind: crisis
        all: [pills]
        unless: ["over <count> days", "over <days> days"]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:2: unknown term list '<number>': name a list defined under 'terms'",
        "kb/safety.yaml:3: '<count>' alone would match every count: write it with a word, "
        "as in 'took <count>'",
        # never_alarm may name lists, so a misspelt '<count>' there is an unknown list
        "kb/safety.yaml:3: unknown term list '<cout>' (did you mean 'count'?): name a list "
        "defined under 'terms'",
        # unless phrases may name lists too
        "kb/safety.yaml:8: unknown term list '<days>': name a list defined under 'terms'",
    ]


def test_safety_term_lists_named_inside_phrases(make_kb: MakeKb) -> None:
    safety = """\
    terms:
      relative: [mum, dad]
      gone: ["<relatve> isnt responding", "<Relative> collapsed", "<relative>> fell"]
      loop-a: ["<loop-b> here"]
      loop-b: ["<loop-a> there"]
      big: ["<many> <many> <many>"]
      many: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t]
    rules:
      - id: r
        kind: urgent
        all: [gone, loop-a, big]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:3: '<relative>>': write '<count>' (a count from 10 to 999 written in "
        "digits, as in 'took <count>') or a term list's name in lower case, as in '<relative>'",
        "kb/safety.yaml:3: unknown term list '<relatve>' (did you mean 'relative'?): name a "
        "list defined under 'terms'",
        "kb/safety.yaml:5: term lists include each other: loop-a -> loop-b -> loop-a",
        "kb/safety.yaml:6: this phrase stands for 8,000 phrases (more than 5,000): split it, "
        "or use the lists in a rule's 'all' instead",
    ]


def test_safety_never_alarm_and_unless_lists(make_kb: MakeKb) -> None:
    """A list named only in never_alarm or in an unless phrase is used (no warning, unlike
    'spare'); an unknown one is reported on its line, in every rule that names it. A
    problem inside a list ('broken') is reported once, on the list's own line."""
    safety = """\
    terms:
      sleeper: [husband, wife]
      spare: [unused]
      wake: [not wake up]
      young: [as a kid, as a child]
      broken: ["<nope> here"]
    never_alarm: ["try not to wake up <sleeper>", "careful not to wake up <sleepr>"]
    rules:
      - id: r
        kind: crisis
        all: [wake]
        unless: ["<yung> too", "<young>", "<broken>"]
      - id: r2
        kind: crisis
        all: [wake]
        unless: ["<yung> too"]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:3: warning: term list 'spare' is not used by any rule",
        "kb/safety.yaml:6: unknown term list '<nope>': name a list defined under 'terms'",
        "kb/safety.yaml:7: unknown term list '<sleepr>' (did you mean 'sleeper'?): name a "
        "list defined under 'terms'",
        "kb/safety.yaml:12: unknown term list '<yung>' (did you mean 'young'?): name a "
        "list defined under 'terms'",
        "kb/safety.yaml:16: unknown term list '<yung>' (did you mean 'young'?): name a "
        "list defined under 'terms'",
    ]


def test_safety_fields_of_plain_words_refuse_lists_and_wildcards(make_kb: MakeKb) -> None:
    """These fields are read as plain words: '<relative>' would be the word "relative"
    and 'numb*' the word "numb". The negation triggers take a '*', not a list."""
    safety = """\
    terms:
      relative: [mum, dad]
      wake: [not wake up]
    fillers: [really, "<relative>"]
    negation:
      triggers: ["no*", "<relative>"]
      pass_over: [any, "<relative>"]
      stop_at: ["took <count>"]
    unless_cancelled:
      breaks: ["but now", "numb*"]
    rules:
      - id: r
        kind: crisis
        all: [wake]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:2: warning: term list 'relative' is not used by any rule",
        "kb/safety.yaml:4: '<relative>': term lists work only in 'terms', 'never_alarm' and "
        "'unless'; write the words out in 'fillers'",
        "kb/safety.yaml:6: '<relative>': term lists work only in 'terms', 'never_alarm' and "
        "'unless'; write the words out in 'negation.triggers'",
        "kb/safety.yaml:7: '<relative>': term lists work only in 'terms', 'never_alarm' and "
        "'unless'; write the words out in 'negation.pass_over'",
        "kb/safety.yaml:8: '<count>' works only in term lists, 'never_alarm', 'unless' and "
        "the negation triggers; 'negation.stop_at' reads it as the word 'count'",
        "kb/safety.yaml:10: 'numb*': a '*' works only in term lists, 'never_alarm', 'unless' "
        "and the negation triggers; write the words out in 'unless_cancelled.breaks'",
    ]


def test_safety_term_list_named_count(make_kb: MakeKb) -> None:
    safety = """\
    terms:
      count: [ten]
      pills: ["took <count> pills"]
    rules:
      - id: r
        kind: crisis
        all: [pills, count]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:2: a term list cannot be named 'count': '<count>' matches a count; "
        "choose another name"
    ]


def test_safety_note_placeholders_are_checked(make_kb: MakeKb) -> None:
    """A note reaches a patient in an emergency: a misspelt placeholder would show raw."""
    safety = """\
    terms:
      numb: ["numb*"]
    rules:
      - id: r
        kind: urgent
        all: [numb]
        note: Call {emergency_numbr} now.
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:7: unknown placeholder '{emergency_numbr}' (did you mean "
        "'emergency_number'?): the ones filled in are {clinic_contact}, {crisis_line}, "
        "{emergency_number}"
    ]


def test_safety_shorthand_and_never_denied_names(make_kb: MakeKb) -> None:
    safety = """\
    negation:
      never_denied: [numbb]
    shorthand:
      wanna: want to
    terms:
      numb: ["numb*"]
    rules:
      - id: r
        kind: urgent
        all: [numb]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:2: unknown term list 'numbb' (did you mean 'numb'?): name a list "
        "defined under 'terms'",
        "kb/safety.yaml:4: shorthand 'wanna: want to' must stand for one word ('cnt: cant', "
        "'can not: cant'); write a longer phrase as a term instead",
    ]


def test_synonym_listed_under_two_words(make_kb: MakeKb) -> None:
    synonyms = "synonyms:\n  cost: [price]\n  fee: [charge, price]\n"
    assert only_problem(make_kb({"synonyms.yaml": synonyms})) == (
        "kb/synonyms.yaml:3: 'price' is listed under both 'cost' and 'fee'; keep it under one"
    )


def test_synonym_without_letters(make_kb: MakeKb) -> None:
    synonyms = 'synonyms:\n  "???": [huh]\n'
    assert only_problem(make_kb({"synonyms.yaml": synonyms})) == (
        "kb/synonyms.yaml:2: '???' has no letters or digits, so no word can be replaced "
        "by it; write the word the entries use"
    )


def test_privacy_text_must_name_the_retention(make_kb: MakeKb) -> None:
    shipped = (KNOWLEDGE / "messages.yaml").read_text(encoding="utf-8")
    edited = shipped.replace("{retention_days} days", "a while")
    assert edited != shipped
    message = only_problem(make_kb({"messages.yaml": edited}))
    assert message.startswith("kb/messages.yaml:")
    assert "include {retention_days}" in message


def test_thresholds_in_order(make_kb: MakeKb) -> None:
    matching = "answer_threshold: 40\nclarify_threshold: 60\nclarify_margin: 5\n"
    assert only_problem(make_kb({"matching.yaml": matching})) == (
        "kb/matching.yaml:2: clarify_threshold (60.0) must not be above answer_threshold (40.0)"
    )


def test_not_covered_topic_that_an_entry_asks(make_kb: MakeKb) -> None:
    matching = (
        "answer_threshold: 40\nclarify_threshold: 40\nclarify_margin: 2\n"
        "not_covered:\n  - knee arthritis\n  - Price of treatment\n"
    )
    assert only_problem(make_kb({"matching.yaml": matching})) == (
        "kb/matching.yaml:6: 'Price of treatment' is listed as not covered, but entry "
        "'costs' has the same phrasing: remove it from not_covered if the entry now covers it"
    )


def test_not_covered_topic_that_contains_a_phrasing_warns(make_kb: MakeKb) -> None:
    matching = (
        "answer_threshold: 40\nclarify_threshold: 40\nclarify_margin: 2\n"
        "not_covered:\n  - treatment duration abroad\n"
    )
    assert only_problem(make_kb({"matching.yaml": matching})) == (
        "kb/matching.yaml:5: warning: 'treatment duration abroad' contains 'treatment "
        "duration', a phrasing of entry 'quick-treatment': patients asking that may get "
        "no answer; make the topic narrower"
    )


def test_other_condition_named_by_a_phrasing_warns(make_kb: MakeKb) -> None:
    matching = (
        "answer_threshold: 40\nclarify_threshold: 40\nclarify_margin: 2\n"
        "other_conditions: [duration*, knee]\nabout_the_back: [back]\n"
    )
    assert only_problem(make_kb({"matching.yaml": matching})) == (
        "kb/matching.yaml:4: warning: 'duration' is in other_conditions, so entry "
        "'quick-treatment' phrasing 'treatment duration' would get no answer: add one of "
        "its words to about_the_back, or remove the condition"
    )


def test_back_in_passing_phrase_without_a_back_word_warns(make_kb: MakeKb) -> None:
    matching = (
        "answer_threshold: 40\nclarify_threshold: 40\nclarify_margin: 2\n"
        "about_the_back: [back, spine]\n"
        "back_in_passing:\n  - call me back\n  - grow bakc\n"
    )
    assert only_problem(make_kb({"matching.yaml": matching})) == (
        "kb/matching.yaml:7: warning: 'grow bakc' holds no word of about_the_back, so it "
        "changes nothing: back_in_passing lists phrases where a back word means something else"
    )


def test_every_problem_is_reported_at_once(make_kb: MakeKb) -> None:
    broken = FAQ.replace("related: [costs]", "related: [nope]")
    broken = broken.replace("section: Second Heading", "section: Nowhere")
    assert len(problems_of(make_kb({"faq/main.yaml": broken}))) == 2


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_cli_exit_codes_and_no_traceback(make_kb: MakeKb) -> None:
    good = run_check(str(make_kb()))
    assert good.returncode == 0
    assert good.stdout.startswith("OK: ")

    broken = FAQ.replace("    title: How quick it is", "    title: How quick: it is")
    bad = run_check(str(make_kb({"faq/main.yaml": broken})))
    assert bad.returncode == 1
    assert "faq/main.yaml:4: YAML syntax error" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr


def test_cli_binary_file_is_reported_not_raised(make_kb: MakeKb) -> None:
    kb = make_kb()
    (kb / "faq" / "main.yaml").write_bytes(b"\xff\xfe\x00binary\x00")
    result = run_check(str(kb))
    assert result.returncode == 1
    assert "main.yaml:1: the file is not UTF-8 text" in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_strict_turns_warnings_into_failure(make_kb: MakeKb) -> None:
    broken = FAQ.replace("      - is it expensive", "      - the treatment, how long does it take?")
    kb = make_kb({"faq/main.yaml": broken})
    assert run_check(str(kb)).returncode == 0
    strict = run_check(str(kb), "--strict")
    assert strict.returncode == 1
    assert "warning: near-identical" in strict.stdout


def test_cli_missing_directory() -> None:
    result = run_check("/nonexistent/knowledge")
    assert result.returncode == 1
    assert "no such knowledge directory" in result.stdout


def test_crisis_examples_are_validated_with_their_line(make_kb: MakeKb) -> None:
    examples = """\
    threshold: 2
    crisis:
      - i want to die
    """
    found = problems_of(make_kb({"crisis-examples.yaml": examples}))
    assert any(p.startswith("kb/crisis-examples.yaml:1:") and "threshold" in p for p in found)


def test_urgent_examples_are_validated_with_their_line(make_kb: MakeKb) -> None:
    examples = """\
    threshold: 0.65
    urgent:
      - my lips are swelling up since the infusion
    not_now: years ago
    """
    found = problems_of(make_kb({"urgent-examples.yaml": examples}))
    assert any(p.startswith("kb/urgent-examples.yaml:4:") and "not_now" in p for p in found)


def test_an_unless_phrase_ending_in_a_year_stub_warns(make_kb: MakeKb) -> None:
    """ "in 20" reads as the number 20, not as the start of "2019"."""
    safety = """\
    terms:
      fever: [fever]
    rules:
      - id: r
        kind: urgent
        all: [fever]
        unless: [years ago, in 20, "in 19*"]
    replies:
      urgent: Call {emergency_number}.
      crisis: Call {crisis_line}.
    """
    found = problems_of(make_kb({"safety.yaml": safety}))
    assert found == [
        "kb/safety.yaml:7: warning: 'in 20' matches only the number 20 written alone: to "
        "match years such as 2019 write 'in 20*'"
    ]
