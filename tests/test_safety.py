"""Safety triage: red flags and self-harm are never missed; idioms never alarm."""

from __future__ import annotations

import pytest

from bot.engine import Engine, ReplyKind
from bot.engine.safety import SafetyCheck
from bot.evaluation import Prediction, evaluate, load_cases
from bot.knowledge import Knowledge
from bot.knowledge.schema import SafetyFile, SafetyRule
from tests.conftest import ROOT

_CHECKS: dict[int, SafetyCheck] = {}


def shipped(knowledge: Knowledge) -> SafetyCheck:
    """One check of the shipped rules per process: building it takes about half a second,
    and some four hundred tests here read it."""
    check = _CHECKS.get(id(knowledge.safety))
    if check is None:
        check = _CHECKS[id(knowledge.safety)] = SafetyCheck(knowledge.safety)
    return check


@pytest.mark.parametrize(
    "message",
    [
        "numbness around my genitals",
        "tingling in my bum and inner thighs",
        "it feels different down there when i wipe",
        "i cant pee properly since this morning",
        "my back hurts and i keep leaking urine",
        "i wet myself yesterday without noticing",
        "lost control of my bowels",
        "both legs have gone weak",
        "my legs keep giving way under me",
        "the numbness in my left leg is getting worse every day",
        "i can't get an erection since my back went",
        "back pain after i fell off a ladder",
        "car crash last night and now my back is agony",
        "back pain with a high temperature and chills",
        "i had breast cancer and now new back pain",
        "lost 8kg without trying and my back aches",
        "sudden tearing pain in my back and i feel faint",
        "fever since the stem cell injection",
        "the injection site is red and swollen",
        "since the injection my legs feel numb",
        "my lips and tongue swelled up after the stem cell drip",
        "my calf is red, hot and swollen",
        "my right leg turned white and cold out of nowhere",
        "this pain is nothing like my usual and getting worse by the hour",
        "i'm struggling to breathe and my upper back hurts",
        # curiosity exceptions must not silence a report
        "the gp mentioned cauda equina and told me to go to hospital tonight",
        "i havent been able to pee since yesterday, how do i know if its serious",
        # typos
        "numbnes in my groin",
        "cant controll my bladdr",
        "weekness in both legs",
    ],
)
def test_red_flags_get_the_urgent_reply(engine: Engine, message: str) -> None:
    reply = engine.reply(message)
    assert reply.kind is ReplyKind.URGENT, message
    assert "999" in reply.text


@pytest.mark.parametrize(
    "message",
    [
        "i want to kill myself",
        "i've been thinking about suicide",
        "feeling sucidal tonight",
        "i don't want to be alive anymore",
        "i might hurt myself",
        "thinking of taking an overdose",
        "everyone would be better off without me",
        "this is goodbye, thank you for everything",
        "last night i looked up how high the bridge is",
        "whats the point. soon none of it will matter",
        # "suicide prevention" as a topic is ordinary; as a call for help it is not
        "should i ring suicide prevention? i'm scared of what i might do",
    ],
)
def test_self_harm_gets_the_crisis_reply(engine: Engine, message: str) -> None:
    reply = engine.reply(message)
    assert reply.kind is ReplyKind.CRISIS, message
    assert "Samaritans on 116 123" in reply.text


@pytest.mark.parametrize(
    "message",
    [
        "this pain is killing me",
        "my back is killing me, what does the treatment cost?",
        "dying to know the price",
        "i'd kill for a night without back pain",
        "numbness in one leg from my slipped disc, can stem cells help?",
        "i have trouble falling asleep because of my back",
        "what are the side effects of the injections?",
        "can stem cells cause tumours?",
        "do the injections reduce swelling?",
        "i hurt my back lifting boxes years ago",
        "does insurance fall under the cost?",
        "i'm planning treatment in the fall",
        "is it normal to feel tired after physio?",
        "will i feel different after tissue regeneration?",
        "i'm 38 and my back has hurt for years",
        "lifting heavy boxes hurt my back and now my legs ache",
        "how do i tackle my back pain without surgery?",
        "the pain kicked in after the gym",
        "my disc has flattened according to the scan, can cells help?",
        "i can't finish my physio exercises because of the pain",
        "i have trouble getting to the toilet because my back is so stiff",
        "i'm on my feet all day and my back feels weak",
        "i think i ripped a muscle in my back, severe pain when i bend",
        "my sister made a film about suicide prevention, she says hi",
        "i don't want to die on the table, is it a general anaesthetic?",
        "how would i know if the injection site got infected?",
        "so this is goodbye to my old mattress",
        "i'll think about it, the massage gun is expensive",
        "my shin is swollen and sore where i banged it on the table",
    ],
)
def test_ordinary_messages_raise_no_alarm(engine: Engine, message: str) -> None:
    assert engine.reply(message).kind not in (ReplyKind.URGENT, ReplyKind.CRISIS), message


def test_rules_need_their_terms_close_together(knowledge: Knowledge) -> None:
    check = shipped(knowledge)
    near = "my bladder control is gone"
    far = "bladder " + "word " * 40 + "control"
    assert check.check(near)
    assert not check.check(far)


def test_staff_can_add_a_phrase(knowledge: Knowledge) -> None:
    terms = dict(knowledge.safety.terms)
    terms["crisis-phrases"] = ["walk into the sea"]
    rules = [
        *knowledge.safety.rules,
        {"id": "extra", "kind": "crisis", "all": ["crisis-phrases"]},
    ]
    edited = SafetyFile.model_validate(
        {**knowledge.safety.model_dump(), "terms": terms, "rules": rules}
    )
    message = "some days i just want to walk into the sea"
    assert not shipped(knowledge).check(message)
    assert SafetyCheck(edited).check(message)


def test_crisis_comes_before_urgent_and_keeps_its_advice(engine: Engine) -> None:
    """Both are emergencies: the crisis line first, then what to do about the red flag."""
    reply = engine.reply("i can't feel my legs and i want to end my life")
    assert reply.kind is ReplyKind.CRISIS
    replies = engine.knowledge.safety.replies
    crisis = engine.composer.message(replies.crisis).text
    urgent = engine.composer.message(replies.urgent).text
    assert reply.text.index(crisis) < reply.text.index(urgent)
    assert reply.entry is None  # a question beside a crisis is not answered


@pytest.mark.parametrize(
    "message",
    [
        "no fever, no weakness, the injection site looks fine",
        "I don't have cancer or anything, just a dodgy back",
        "fell over last week, no back pain, just a bruised knee",
        "I have no numbness in my legs, only pain",
        "I've not had any numbness down there",
        "Not had a fever or chills, back is just achy",
        "never had a fever after the injection",
        "no loss of bladder control or anything like that, just a sore back",
        # a plain denial ignores comparison words (only compared_triggers heed not_after)
        "No fever. Before the injection I was fine, after it my back is sore",
        "no fever my back is so bad today",
    ],
)
def test_a_denied_symptom_raises_no_alarm(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


@pytest.mark.parametrize(
    "message",
    [
        # "no feeling" and "no control" are symptoms, not denials
        "no feeling between my legs since yesterday",
        "I have no control over my bladder",
        # an answer, not a denial
        "no my legs are numb and weak",
        "no, both legs have gone weak",
        # a denial ends at "but" and at the end of the clause
        "no fever but both legs have gone numb",
        "no pain. both my legs are weak",
        # a compared trigger followed by a comparison or a change denies nothing
        # (negation.compared_triggers, not_after)
        "I've never had numbness down there like this before",
        "never had numbness down there, until this morning",
        "not had a fever until today, now its 39 and my back is agony",
        # a plain denial ends at "until"; "never had any trouble" is no denial
        "no numbness in my legs until today, now both are numb",
        "ive never had any trouble peeing before but now i cant go at all",
        # "not had" alone is no denial: it is how retention is described
        "I've not had any bladder control since last night and my back is agony",
        "Not had a poo or a wee since yesterday, I just can't go, back is killing me",
        # clinicians' words
        "Pt has reduced power in both lower limbs and back pain",
        "diminished saddle sensation and retention",
    ],
)
def test_negation_does_not_hide_a_red_flag(knowledge: Knowledge, message: str) -> None:
    alarms = shipped(knowledge).check(message)
    assert alarms
    assert {a.kind for a in alarms} == {"urgent"}


@pytest.mark.parametrize(
    "message",
    [
        "took 30 co-codamol an hour ago",
        "swallowed 20 tramadol tonight",
        "I have taken 25 of my sleeping pills",
        "took a whole load of my pills",
        "took 30 of my 50mg tramadol",  # the dose is not the count
        "my dad has swallowed about 50 of his pills, what do i do",
        "I've taken all my tramadol at once",
        # time words that bound steady use must not silence a fresh overdose
        "I've taken 32 paracetamol in the last hour",
        "I swallowed 50 pills in the past 20 minutes",  # the minutes are not the count
        "took 30 panadol",
        "I'm going to take 50 tramadol tonight",
        "I took all the paracetamol in the house",
        "took a load of paracetamol with vodka tonight",
        # nothing about weight, spans or company silences a count
        "I'm 8 stone and took 24 paracetamol is that dangerous",
        "I've taken 60 paracetamol since monday and feel sick",
        "I've swallowed 28 days of my tramadol in one go",
        "I took 30 paracetamol can you stay with me please",
        "I was prescribed 60 tramadol and I took them all",
    ],
)
def test_pills_taken_in_a_dangerous_number_get_the_crisis_reply(
    knowledge: Knowledge, message: str
) -> None:
    assert {a.kind for a in shipped(knowledge).check(message)} == {"crisis"}


@pytest.mark.parametrize(
    "message",
    [
        "took 2 paracetamol for the pain",
        "I took 20 mg of morphine today",
        "taken 100 mg tramadol, can I still have the injection tomorrow?",
        "took 10 days off work, now on tramadol",
        "I had 10 sessions of physio and took painkillers the whole time",
        "took 30 minutes to walk to the shop",
        "Took 20 minutes for the painkillers to work",
        "I popped 10 pounds on since starting pregabalin",
        "I take 2 paracetamol four times a day, is that ok?",
        "I took 30 tablets back to the chemist",
        "hello ፩፪ there, took ፩፪ pills",  # digits int() cannot read are not a count
    ],
)
def test_doses_and_other_numbers_are_not_an_overdose(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


def test_pills_taken_get_the_advice_to_call_now(engine: Engine) -> None:
    """An overdose already taken needs the emergency number whoever took it."""
    reply = engine.reply("my dad has swallowed about 50 of his pills, what do i do")
    assert reply.kind is ReplyKind.CRISIS
    note = next(a.note for a in reply.alarms if a.rule_id == "counted-pills-taken")
    assert note is not None
    assert engine.composer.message(note).text in reply.text


def test_count_stands_for_a_number_from_10_to_999(knowledge: Knowledge) -> None:
    rule = SafetyRule(id="counted", kind="crisis", all=["counted"])
    safety = knowledge.safety.model_copy(
        update={"terms": {"counted": ["took <count> pills"]}, "rules": [rule]}
    )
    check = SafetyCheck(safety)
    assert check.check("I took 10 pills")
    assert check.check("I took 999 pills")
    assert not check.check("I took 9 pills")
    assert not check.check("I took 2019 pills")
    assert not check.check("I took many pills")


def test_a_list_named_in_a_phrase_stands_for_each_of_its_phrases(knowledge: Knowledge) -> None:
    """Staff write "<relative> isnt responding" once instead of one line per relative."""
    rule = SafetyRule(id="r", kind="urgent", all=["unresponsive"])
    terms = {
        "relative": ["mum", "my dad"],
        "unresponsive": ["<relative> isnt responding", "found <relative> on the floor"],
    }
    check = SafetyCheck(knowledge.safety.model_copy(update={"terms": terms, "rules": [rule]}))
    assert check.check("Mum isn't responding")
    assert check.check("my dad isnt responding to me")
    assert check.check("I found mum on the floor")
    assert not check.check("my sister isnt responding")


def test_a_building_block_list_is_not_looked_for_on_its_own(knowledge: Knowledge) -> None:
    """A list only named inside other lists is not a symptom: its words alone do not count,
    and "dont have" from a block of denial words still denies."""
    rule = SafetyRule(id="r", kind="urgent", all=["no-feeling", "place"])
    terms = {
        "not-having": ["dont have"],
        "no-feeling": ["<not-having> any feeling", "numb"],
        "place": ["legs", "fever"],
    }
    check = SafetyCheck(knowledge.safety.model_copy(update={"terms": terms, "rules": [rule]}))
    assert check.check("I dont have any feeling in my legs")
    assert not check.check("I dont have a fever")  # denied, not a phrase of no-feeling
    assert not check.check("I dont have time, my legs ache")


def test_never_alarm_phrases_may_name_a_list(knowledge: Knowledge) -> None:
    """One line "try not to wake up <sleeper>" instead of one per sleeper; the list is a
    building block, not looked for on its own, and the phrase still needs every word."""
    rule = SafetyRule(id="r", kind="crisis", all=["never-wake"])
    terms = {"never-wake": ["not to wake up"], "sleeper": ["husband", "the kids"]}
    safety = knowledge.safety.model_copy(
        update={"terms": terms, "rules": [rule], "never_alarm": ["try not to wake up <sleeper>"]}
    )
    check = SafetyCheck(safety)
    assert not check.check("I try not to wake up my husband when I get up")
    assert not check.check("try not to wake up the kids")
    assert check.check("I try not to wake up at all")  # no sleeper: the crisis words stay
    # An everyday phrase is read within its clause: here the sleeper starts another one.
    assert check.check("I will try not to wake up. Husband will find me")
    assert check.check("try not to wake up my mum")  # not in the list
    assert not check.check("my husband")


def test_unless_phrases_may_name_a_list(knowledge: Knowledge) -> None:
    """Two rules can share one list of long-past times ("<as-a-child>"); the list is a
    building block, so its phrases alone raise nothing."""
    rules = [
        SafetyRule(id=name, kind="urgent", all=["fall"], unless=["<as-a-child>"])
        for name in ("a", "b")
    ]
    terms = {"fall": ["fell off a ladder"], "as-a-child": ["as a kid", "when i was 1*"]}
    check = SafetyCheck(knowledge.safety.model_copy(update={"terms": terms, "rules": rules}))
    assert [a.rule_id for a in check.check("I fell off a ladder, my back hurts")] == ["a", "b"]
    assert not check.check("I fell off a ladder as a kid, my back hurts now")
    assert not check.check("I fell off a ladder when I was 12")
    assert not check.check("as a kid I loved climbing")


def test_crisis_phrases_are_never_denied(knowledge: Knowledge) -> None:
    alarms = shipped(knowledge).check("no i want to die")
    assert {a.kind for a in alarms} == {"crisis"}


def test_negation_is_configured_in_the_knowledge(knowledge: Knowledge) -> None:
    message = "no fever, the injection site looks fine"
    safety = knowledge.safety.model_copy(
        update={"negation": knowledge.safety.negation.model_copy(update={"triggers": []})}
    )
    assert shipped(knowledge).check(message) == []
    assert SafetyCheck(safety).check(message)


@pytest.mark.parametrize(
    "message",
    [
        # a negation word that is part of the symptom
        "I have no bladder control",
        "I don't have any control over my bowels",
        "I haven't had a pee since yesterday, I can't go",
        "no clue why I wet myself last night",
        # a denial ends at any punctuation, typed with a space or not
        "no fever,both legs are numb",
        "no fever.both legs numb and weak",
        # an 'unless' phrase that is denied, overtaken or in another clause
        "both my legs went numb and weak, it never went away",
        "numb bum for two days, went away briefly but back now",
        "I had a cold last week. Now I have a high fever and terrible back pain",
        "I've had a fever since the injection yesterday, I had covid years ago",
        "I fell off a ladder last year and again this morning, my back hurts badly",
        "the infection cleared up and I can't control my bladder",
        "no trouble with my bowels until yesterday, I've lost control of my bowels now",
        "no problems with bladder control till yesterday I cant hold it now",
        "is it a red flag that both my legs are numb and weak",
        "in general I've lost control of my bladder since the fall",
        "I had breast cancer and now I'm being sent to a back pain clinic",
        "I fell off a ladder when I was 15 feet up this morning, my back is agony",
        "I had a fall behind the shed yesterday and my back is agony",
        "yesterday when i was a passenger my friend crashed the car and my back is agony",
        "i fell behind on the ice yesterday and my back is agony",
        "had a fall yesterday hiking in the 90s heat and my back is killing me",
        "I was hit by a car when I was a pedestrian and my back is agony",
        "got knocked off my bike when i was 100 metres from work, my back is killing me",
        "i was in a car accident yesterday when i was 19 weeks pregnant and my back hurts",
    ],
)
def test_red_flags_survive_negation_and_unless(knowledge: Knowledge, message: str) -> None:
    alarms = shipped(knowledge).check(message)
    assert alarms and alarms[0].kind == "urgent"


@pytest.mark.parametrize(
    "message",
    [
        "I take my tablets every day but tonight I'm going to take them all",
        "I want to jump off that bridge",
        "I've been looking up ways to go peacefully",
        "I'm going to end it with my pills tonight",
        "I took an overdose of my tramadol last night",
        "I tried suicide when I was a teenager and I feel that way again now",
        "I feel suicidal like I did when I was a teenager",
        "I want to end it, with my partner gone there's nothing left",
        "I'm someone who overdosed last year and I want to do it again",
        "what's an overdose of co-codamol, I've had enough of this pain",
        "some nights I stand at the top of the stairs and think about letting myself fall",
        "I will try not to wake up. Husband will find me in the morning",
        "stood on the edge for an hour last night wanting to jump",
        "thinking of throwing myself down the stairs",
        "ill go to sleep and try not to wake up husband will be fine without me",
        "im on the ledge right now",
        "i could just let go of the railing on the bridge",
        "I want to throw myself into the river",
    ],
)
def test_crisis_wordings_near_everyday_phrases(knowledge: Knowledge, message: str) -> None:
    assert [a.kind for a in shipped(knowledge).check(message)][:1] == ["crisis"]


@pytest.mark.parametrize(
    "message",
    [
        "who can jump off my dead car battery",
        "do i have a ways to go or am i close to the station",
        "no numbness, no bladder problems, just a dull ache",
        "no fever or chills, just back pain",
        "no loss of bladder control or anything like that, just a sore back",
        "I'm going to end it with my physio, she's not helping",
        "I don't have any thoughts of harming myself, just frustrated",
        "I let myself fall asleep on the sofa and my back hurts",
        "I fall behind at work because of my back pain",
        "I fell off my bike when I was 12 and wonder if that's why my back is bad today",
        "I try not to wake up my husband when my back pain gets me up at night",
        "I know you're a back pain clinic, but how do transplants for leukaemia work?",
        "I sit on the edge of the bed first, then let myself drop onto my feet",
        "I keep falling behind with my physio exercises because my back hurts",
        "I try not to wake up my mum when I get up in the night with my back",
        "I throw myself into the garden every weekend and my back pays for it",
        "i throw myself onto the sofa when i get home and my back aches",
    ],
)
def test_everyday_phrases_near_crisis_wordings(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


def test_texting_shorthand_is_read_as_words(knowledge: Knowledge) -> None:
    assert {a.kind for a in shipped(knowledge).check("i want 2 die")} == {"crisis"}


@pytest.mark.parametrize(
    "message",
    [
        "I hurt myself lifting boxes at work last year",
        "my physio says I might hurt myself if I lift heavy",
        "how high should I lift my hips in the bridge exercise?",
        "can you overdose on stem cells?",
        "suicide sprints wrecked my lower back",
    ],
)
def test_injury_and_exercise_talk_is_not_a_crisis(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        # wordings written for this test, none of them a listed phrase
        ("my brother has talked about drowning himself", "self-directed-act"),
        ("some days I wish I were already dead", "wish-not-to-live"),
        ("she keeps scratching her arms until it bleeds", "self-harm-on-purpose"),
        ("how many co-codamol would be a fatal amount", "lethal-amount"),
        ("I keep thinking about leaping off the multi storey car park", "jump-from-height"),
        ("my kids would be happier once I'm gone", "burden-without-me"),
        ("honestly there is no point living with this", "no-point-living"),
        ("i do not want to be alive anymore", "not-want-to-live"),
        ("my son has been cutting himself since his injury", "cutting-oneself"),
        ("my wife texted goodbye an hour ago and now her phone is off", "farewell-then-silence"),
        ("cant go on like this. im done. bye everyone", "cant-live-and-goodbye"),
        ("there's no reason for me to carry on", "no-point-living"),
    ],
)
def test_combined_crisis_rules_catch_unlisted_wordings(
    knowledge: Knowledge, message: str, rule: str
) -> None:
    alarms = shipped(knowledge).check(message)
    assert rule in [a.rule_id for a in alarms if a.kind == "crisis"]


@pytest.mark.parametrize(
    "message",
    [
        "I don't want to live on painkillers forever",
        "I can't live like this, what are my options?",
        "i cant live with this sciatica. thanks goodbye",
        "i cant live like this anymore im done. what are my options",
        "I can't live with this pain, I'm done with tablets, what else is there?",
        "there's no reason to carry on with the physio if it isn't helping",
        "I didn't wake up once last night, first time in years",
        "Would my family be better off if I had the surgery?",
        "I'd rather not be around when they do the injection",
        "I cut myself shaving, can I still have the injection?",
        "I hope I don't die from an infection afterwards",
        "is it fatal to mix tramadol and alcohol?",
        "I want the swelling to die down before the next session",
        "Can a herniated disc cause bladder problems?",
        "my grandfather died of bone cancer, am I more likely to get back problems?",
    ],
)
def test_everyday_wordings_near_the_combined_rules(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


def test_phrases_are_read_with_the_same_shorthand_as_messages(knowledge: Knowledge) -> None:
    """A phrase staff write as "cannot lift my foot" meets "can't lift my foot"."""
    terms = dict(knowledge.safety.terms)
    terms["foot-drop"] = ["cannot lift my foot"]
    safety = knowledge.safety.model_copy(update={"terms": terms})
    for message in (
        "I can't lift my foot since Monday",
        "I cannot lift my foot since Monday",
        "I can not lift my foot since Monday",
    ):
        assert [a.rule_id for a in SafetyCheck(safety).check(message)] == ["foot-drop"]


@pytest.mark.parametrize(
    "message",
    ["back pain and i can not pee since yesterday", "my back hurts, i can not hold my wee"],
)
def test_a_split_cannot_is_read_as_one_word(knowledge: Knowledge, message: str) -> None:
    """Shorthand may join words: "can not" is read as "cant", in messages and phrases."""
    rules = [a.rule_id for a in shipped(knowledge).check(message)]
    assert rules == ["bladder-bowel-control"]
    no_join = dict(knowledge.safety.shorthand)
    del no_join["can not"]
    safety = knowledge.safety.model_copy(update={"shorthand": no_join})
    assert SafetyCheck(safety).check(message) == []


def test_a_split_spelling_is_also_read_as_written(knowledge: Knowledge) -> None:
    """Joined, "can not wake up" loses the "not wake up" a crisis phrase needs."""
    message = "i can not wake up my husband after he took his pills"
    assert {a.kind for a in shipped(knowledge).check(message)} == {"crisis"}


@pytest.mark.parametrize(
    "message",
    [
        # "not" after is, isn't, she's, it's ... denies what follows
        "she's not incontinent or anything, just stiff every morning",
        "he is not incontinent and his legs are not numb",
        "a bit of numbness in her calf but it's not getting any worse, same as always",
        # a negation that holds the symptom's first word denies it
        "I haven't lost control of my bladder or bowels",
        "I didn't fall, I just woke up with back pain",
        "I haven't noticed any numbness around my bum",
        # numb in feeling, not in body
        "numb to it all after 15 years of back pain, how does the treatment work",
        # pills that do not work, sleep that is better: not an overdose
        "the pain is unresponsive to tramadol, what are my options",
        "since starting naproxen im not waking up with pain",
        # asking for reassurance is a question about a symptom
        "So the injection won't cause cancer in my spine?",
        # waking up as sleep, not as a wish to die
        "I go to bed at 10 and dont wake up till 7 now, much better",
        "I try not to wake up the kids when I get up early for work",
    ],
)
def test_more_denials_raise_no_alarm(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        # a symptom phrase that starts with the "not" of "he's not" is the symptom
        ("he's not passing urine and he's in agony with his back", "bladder-bowel-control"),
        ("I'm not in control of my bladder anymore", "bladder-bowel-control"),
        ("she's not had a wee all day and her back is really bad", "bladder-bowel-control"),
        ("my husband did not pass urine all day yesterday, back agony", "bladder-bowel-control"),
        ("I wasnt able to pee all night, back pain is horrible", "bladder-bowel-control"),
        ("hes not well, temperature of 39 since the injection", "fever-after-injection"),
        # "never had ... before" is news, not a denial; "not on chemo" is no denial
        ("I never had numbness in both legs before today", "both-legs-numb"),
        ("I'm not on chemo anymore but I've got new back pain that won't go", "cancer-history"),
        # wordings the reviewers' probes found missing
        ("legs aren't holding my weight, both of them", "both-legs"),
        ("honestly it would be a relief if I didn't wake up", "self-harm"),
        (
            "the doctor said the injection wouldnt cause bladder problems but now i cant "
            "control my bladder",
            "bladder-bowel-control",
        ),
        # someone who cannot be woken after pills
        ("i cant wake up my husband after he took his pills", "cant-wake-after-pills"),
        ("mum took a load of her tablets and now she's not waking up", "cant-wake-after-pills"),
    ],
)
def test_denial_words_inside_a_symptom_still_alarm(
    knowledge: Knowledge, message: str, rule: str
) -> None:
    assert rule in [a.rule_id for a in shipped(knowledge).check(message)]


def test_waking_a_sleepy_relative_for_tablets_is_not_an_overdose(knowledge: Knowledge) -> None:
    message = "my son won't wake up for school since he started sertraline"
    assert "cant-wake-after-pills" not in [a.rule_id for a in shipped(knowledge).check(message)]


def test_a_joined_shorthand_stays_within_its_clause(knowledge: Knowledge) -> None:
    safety = knowledge.safety.model_copy(update={"shorthand": {"can not": "cant"}})
    check = SafetyCheck(safety)
    assert check.check("back pain, I can. not pee since monday") == []
    assert check.check("back pain, I can not pee since monday") != []


@pytest.mark.parametrize(
    "message",
    [
        "Sudden tearing pain in back and nearly fainted what could cause this",
        "Both legs numb and weak since this morning what could cause this",
        "groin numb and cant pee since this morning could a disc cause this",
        "Dads both legs suddenly numb and weak sign of stroke?",
    ],
)
def test_a_report_phrased_as_a_question_still_alarms(knowledge: Knowledge, message: str) -> None:
    assert [a.kind for a in shipped(knowledge).check(message)][:1] == ["urgent"]


@pytest.mark.parametrize(
    "message",
    [
        "To top it all off, my sciatica is back.",
        "I want to come off it all, the painkillers and the patches",
        "My legs hurt at night and I get an urge to move them",
        "Stabbing pain under my shoulder blade that goes down my arms",
        "I wrote a letter to my GP just in case",
        "Could a double dose of tramadol be fatal?",
        "I've been cutting my own firewood and hurt my back",
        "I want everything to stop hurting",
    ],
)
def test_everyday_wordings_that_share_parts_with_the_combined_rules(
    knowledge: Knowledge, message: str
) -> None:
    assert shipped(knowledge).check(message) == []


@pytest.mark.parametrize(
    "message",
    [
        "I'm going to jump off",
        "I've become a burden on everyone",
        "I keep going to sleep hoping I didnt wake up",
        "Sometimes I wish I would just die in my sleep",
    ],
)
def test_short_crisis_wordings_are_caught(knowledge: Knowledge, message: str) -> None:
    assert {a.kind for a in shipped(knowledge).check(message)} == {"crisis"}


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("my lower back aches and there's a tight chest feeling since lunch", "chest-pain"),
        ("Mum has back pain and pressure in her chest, she looks grey", "chest-pain"),
        (
            "suddenly I couldn't catch my breath and my upper back is in agony",
            "breathless-and-sudden",
        ),
        (
            "I've been coughing up blood since yesterday and my ribs at the back hurt",
            "coughing-blood",
        ),
        (
            "two days after my spinal injection I've got a splitting headache and a stiff neck",
            "bad-headache-after-injection",
        ),
        ("my wife would get the life insurance and be free of me", "insurance-instead-of-me"),
        ("my son says he doesn't want to be alive anymore", "not-want-to-live"),
        (
            "I park at the top floor of the car park and keep thinking about jumping",
            "jump-from-height",
        ),
        (
            "my calf is swollen and I can't breathe properly since the flight",
            "swollen-calf-and-breathless",
        ),
        (
            "my dad is 88 with osteoporosis, he sat down hard and now has terrible back pain",
            "small-jolt-with-osteoporosis",
        ),
        ("I can't get up off the floor, my legs won't work", "both-legs"),
        ("thinking about ODing tonight", "self-harm"),
        ("I'll make it look accidental so the kids get the money", "self-harm"),
        (
            "she texted saying she was sorry and now it goes straight to voicemail",
            "farewell-then-silence",
        ),
        ("my calf is swollen and painful and I'm out of breath", "swollen-calf-and-breathless"),
        (
            "tell the nurses thanks, I won't need any more help after tonight",
            "no-more-help-after-tonight",
        ),
        ("I had a nerve block on tuesday and now I have a temperature", "fever-after-injection"),
        ("never had a fever this high since my epidural", "fever-after-injection"),
        ("I want to step off the roof", "jump-from-height"),
        (
            "i hide my tablets every day instead of taking them, have a big pile now",
            "pills-saved-up",
        ),
        ("ive got a stash of my prescription oxy", "pills-saved-up"),
        (
            "I picked up my prescription and I'm going to take them all tonight",
            "take-whole-prescription",
        ),
        ("i have enough oxy to do it", "enough-pills-to-do-it"),
        (
            "the spot where they did the epidural is all puffed up and hot red",
            "swelling-where-injected",
        ),
        ("I've kept all my old prescriptions, there's enough to do it", "pills-enough-to-do-it"),
        ("my bum and privates feel like cardboard", "saddle-numbness"),
        # from blind set 39 (older patients and carers)
        ("I can hardly feel the chair under me and my back is bad", "cant-feel-the-seat"),
        ("dad has stopped taking his tablets so that he can die", "stopping-medicine-to-die"),
        (
            "he keeps talking about his shotgun, says he is no use to anyone now",
            "worthless-beside-means",
        ),
        (
            "the scan was all clear last year but I think I have cauda equina now",
            "cauda-equina-named",
        ),
        # from the review of blind set 39's rules (stop 25)
        ("I'm of no use to anybody and I've got razor blades", "worthless-beside-means"),
        ("I'm worthless, there's a knife in the kitchen drawer", "worthless-beside-means"),
        ("stopped taking my heart pills so its all over quicker", "stopping-medicine-to-die"),
        ("they haven't ruled out cauda equina yet", "cauda-equina-named"),
        ("they couldn't rule out cauda equina", "cauda-equina-named"),
        ("cauda equina was not ruled out", "cauda-equina-named"),
        ("bloods came back clear, the hospital think its cauda equina", "cauda-equina-named"),
        # the second review of those rules (stop 25)
        ("they've not yet ruled out cauda equina", "cauda-equina-named"),
        ("nobody has ruled out cauda equina", "cauda-equina-named"),
        ("he isnt in the clear for cauda equina, they want another scan", "cauda-equina-named"),
        ("holding a knife thinking about slicing my arm", "knife-in-hand"),
        (
            "cant even cut my food anymore i keep staring at the knife thinking how easy it "
            "would be",
            "means-in-mind",
        ),
        ("I'm no use to anyone, been looking at the tracks again", "worthless-beside-means"),
        ("ive quit taking my blood pressure pills so it ends sooner", "stopping-medicine-to-die"),
        # the second review's misses (stop 28): the symptom named after cauda equina was
        # ruled out, and a rope bought by someone who calls himself useless
        (
            "they ruled out cauda equina on monday so why do i have saddle anaesthesia now",
            "saddle-anaesthesia-named",
        ),
        (
            "cauda equina ruled out last week but I have saddle numbness now",
            "saddle-anaesthesia-named",
        ),
        ("he says hes useless now and he's bought a length of rope", "worthless-beside-means"),
        # their review (stop 28)
        (
            "what does saddle anaesthesia feel like? because i think ive got it since this morning",
            "saddle-anaesthesia-had-now",
        ),
        (
            "my husband keeps saying hes useless and i found rope he bought hidden in the garage",
            "worthless-beside-means",
        ),
        # a second reader's finds (stop 28): alarms the stop-25 to stop-28 edits had lost
        ("he hasnt got control of his bladder since last night", "bladder-bowel-control"),
        ("my dad hasnt got any control of his bowels", "bladder-bowel-control"),
        (
            "i put the knives in my bedroom and i keep thinking about using them on myself",
            "means-in-mind",
        ),
        ("held a knife against my wrist while making the roast", "knife-in-hand"),
        (
            "should i be worried about saddle anaesthesia after my injection",
            "saddle-anaesthesia-named",
        ),
        ("they've maybe not ruled out cauda equina", "cauda-equina-named"),
        ("no one has ruled out cauda equina", "cauda-equina-named"),
        (
            "i feel useless, ive bought rope and im going to tie it up from the beam",
            "worthless-beside-means",
        ),
        (
            "fever dreams every night since the stem cell injection, hot and sweaty",
            "fever-after-injection",
        ),
    ],
)
def test_newer_rules_catch_their_wordings(knowledge: Knowledge, message: str, rule: str) -> None:
    assert rule in [a.rule_id for a in shipped(knowledge).check(message)]


@pytest.mark.parametrize(
    "message",
    [
        "me quiero morir, ya no aguanto la espalda",
        "je ne veux plus vivre avec cette douleur",
        "ich möchte sterben",
        "nie chcę żyć z tym bólem",
        "gusto ko nang mamatay sa sakit",
    ],
)
def test_crisis_in_another_language_gets_the_crisis_reply(
    knowledge: Knowledge, message: str
) -> None:
    assert {a.kind for a in shipped(knowledge).check(message)} == {"crisis"}


@pytest.mark.parametrize(
    "message",
    [
        # chest and breathing
        "I need to get this off my chest: I'm scared of needles",
        "can the injection cause chest pain?",
        "I had chest pain years ago but my heart was fine, is that a problem?",
        "crushing pain in my lower back when I bend",
        "I'm out of breath after the stairs, is that my back?",
        "I have severe asthma and get short of breath on the stairs, can I still have it?",
        "I had a tooth out yesterday and I'm spitting blood, can I still come on Monday?",
        # long past, or hopeful
        "I had a fever last year but it was the flu. Can I still have the treatment?",
        "My brother has a spinal cord injury from a crash. Could stem cells make him walk again?",
        "I used to be suicidal years ago; does stress slow recovery from back pain?",
        "is whiplash from years back a reason my neck aches?",
        # jumping, walking, asking about signs
        "I'm thinking about jumping on the trampoline with my kids, is that bad for my back?",
        "my dog keeps jumping off the sofa, could that hurt his back?",
        "I want to jump back into running, which building is the clinic in?",
        "which signs of infection matter after an injection, generally speaking?",
        "I can't walk far before my legs ache and I have to sit down, is that stenosis?",
        # near the newer crisis phrases
        "will my life insurance premium change if I have the injection?",
        "does the clinic need my life insurance details or can my daughter book without me?",
        "what's the point of going on with the physio if it doesn't help?",
        "my grandkids are my reason to be alive, I just want to play with them again",
        "I'm tired of live chat, can I call someone?",
        "este dolor de espalda va a matarme, cuanto cuesta la terapia?",
        # idioms and passed illnesses near the newest rules
        "I wet myself laughing at the physio's jokes, can I book another session?",
        "my nephew had a fever with chickenpox, does that affect my injection?",
        "I was really weak after the flu in January but I'm fully over it now",
        "my legs feel heavy after a long hike yesterday, normal I think",
        "I fell off a ladder in my 40s, it healed, does insurance cover the treatment?",
        "can the injection cause a swollen leg or shortness of breath?",
        "I have osteoporosis, can stem cells help my bones?",
        # the review of the rules above: medicine lists and routine questions
        "Meds: naproxen 500mg bd, amitriptyline 10mg od, omeprazole 20mg od.",
        "Should I stop all my pills before the procedure?",
        "How many pills of ibuprofen can I take a day?",
        "how many tablets should I take so I don't wake up in pain",
        "The pregabalin has stopped working, the pain down my legs is back",
        "My husband loves me but he isn't answering his phone today, typical",
        "I'm done with physio, I looked up how to do the stretches myself",
        "I won't need any more painkillers after today, the pain has gone",
        # near this stop's phrases: pharmacies, prescriptions, steps and strength
        "I collect my pills from the pharmacy on Fridays",
        "the pharmacy said I can collect my tablets on friday, is that too late?",
        "I'm saving up for my prescription charges",
        "my back isn't strong enough to do it, can I still have the injection?",
        "I step off the kerb and my back twinges",
        "had an epidural during labour years ago, does that matter?",
        "I'm not sure I can feel any difference since the injection",
        # and the reviewer's everyday wordings near them
        "the tablets are keeping back pain down",
        "I want to step off the train onto the platform without my back jarring",
        "will one tablet be enough to do the job?",
        "I lined up at the pharmacy for ages to get my prescription",
        "the new script says to take them all at once with food",
        "new mattress is like cardboard and my bum aches",
        "is it normal to be a bit puffy after a nerve block?",
        "had the stem cell injection last week and I feel nothing, no improvement",
        "saving my oxy for the flight",
        # near blind set 39's rules
        "my legs go numb on the toilet seat if I sit too long",
        "the old rifle in the shed is no use to anyone",
        "I stopped taking my painkillers so I can drive",
        "this chair under me is so uncomfortable my bum aches",
        "stopped her dialysis so she can die peacefully at home with the hospice nurses",
        "since my disc went I'm no use to anyone, can't even get up on a roof",
        # near the review's rules (stop 25)
        "I can't even hold a knife to cut my dinner, I feel no use to anyone",
        "I'm no use to anyone since my back went, can't even walk to the bridge",
        "cauda equina was ruled out, what else could it be?",
        "my emergency MRI came back clear for cauda equina, now what?",
        "they ruled out infection and I have no fever",
        "believe it or not no numbness down there, just the usual ache",
        "A&E cleared me of cauda equina, so what is causing the pain?",
        "holding a knife to chop vegetables hurts my back",
        "I'm no use to anyone, I keep thinking about the bridge club",
        "my husband says he's no use to anyone since he can't use his nail gun",
        "not taking my lunch break so its over quicker, my back aches at the desk",
        # near the second review's rules (stop 28)
        "what does saddle anaesthesia mean?",
        "cauda equina was ruled out, what are the warning signs of saddle anaesthesia?",
        "I'm useless at yoga, bought a skipping rope instead",
        "they checked for saddle anaesthesia when they ruled out cauda equina and it was all fine",
        "I feel useless not being able to garden, my husband bought rope for the runner beans",
        "my leg feels useless so I bought a length of rope to pull myself up out of bed",
        "cant stand long enough to hold a knife and carve the sunday roast anymore",
        "fever dream about back surgery lol",
    ],
)
def test_everyday_wordings_near_the_newer_rules(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


def test_an_unless_phrase_switches_off_only_its_own_clause(knowledge: Knowledge) -> None:
    check = shipped(knowledge)
    # the past episode is excused; the new report in another clause is not
    message = "In 2018 I had bladder problems, fully recovered, but now I can't control my bladder"
    assert [a.rule_id for a in check.check(message)] == ["bladder-bowel-control"]
    # the rule's words outside the excused clause are not enough on their own
    assert check.check("I had a fever with the flu last month, now my back aches a bit") == []


@pytest.mark.parametrize(
    "message",
    [
        # a past episode, then a new report in the same run-on sentence
        "I had a discectomy years ago and from this morning I can't pee even though I need to",
        "I've had back pain since last summer and today I fell off a ladder and it's agony",
        "they said my heart was fine last week yet today I have crushing chest pain",
        "I fully recovered from the op and now out of nowhere I can't control my bowels",
        "I think I'm having signs of a heart attack, chest pain going down my left arm",
        "the worst headache ever after the injection, is this a side effect",
    ],
)
def test_a_past_episode_does_not_hide_a_new_report(knowledge: Knowledge, message: str) -> None:
    assert "urgent" in {a.kind for a in shipped(knowledge).check(message)}


def test_typographic_dashes_and_ellipses_end_a_clause(knowledge: Knowledge) -> None:
    """An ``unless`` phrase after "—" or "…" belongs to another clause, as after " - "."""
    check = shipped(knowledge)
    for mark in (" - ", " — ", "… "):
        message = f"I have crushing chest pain{mark}can the injection cause that"
        assert [a.kind for a in check.check(message)] == ["urgent"], mark


def test_a_decimal_point_does_not_end_a_clause(knowledge: Knowledge) -> None:
    # "37.8" once split into "37" and "8 from flu", so the flu no longer excused the fever.
    check = shipped(knowledge)
    assert check.check("temp of 37.8 from flu, does flu make back pain worse?") == []
    assert [a.rule_id for a in check.check("fever of 38.5 since the injection")] == [
        "fever-after-injection"
    ]


def test_the_longest_joined_spelling_wins(knowledge: Knowledge) -> None:
    safety = knowledge.safety.model_copy(
        update={"shorthand": {"can not": "cant", "can not even": "cannoteven"}}
    )
    terms = dict(safety.terms)
    terms["foot-drop"] = ["cannoteven lift my foot"]
    safety = safety.model_copy(update={"terms": terms})
    found = [a.rule_id for a in SafetyCheck(safety).check("I can not even lift my foot")]
    assert "foot-drop" in found


# Reviewer probes (tests/eval/safety-review-probes.yaml), rules only: 2,080 of 2,252 right
# when they were last tuned on. A fall below the floor is a regression to look at.
PROBES = ROOT / "tests" / "eval" / "safety-review-probes.yaml"
PROBES_FLOOR = 2070


def test_reviewer_probes_stay_above_their_floor(knowledge: Knowledge) -> None:
    check = shipped(knowledge)

    def rules_only(message: str) -> Prediction:
        alarms = check.check(message)
        return Prediction(alarms[0].kind if alarms else "no_match", None, ())

    report = evaluate(rules_only, load_cases(PROBES))
    right = len(report.outcomes) - len(report.failures)
    assert right >= PROBES_FLOOR, f"{right} of {len(report.outcomes)} reviewer probes right"


@pytest.mark.parametrize(
    "message",
    [
        "cancelling my injection, back pain is a bit better",  # not "cancer"
        "my legs are fine, theyre not numb",  # "theyre" is the trigger's, not "there"
    ],
)
def test_real_words_and_the_files_own_words_are_not_typos(
    knowledge: Knowledge, message: str
) -> None:
    assert shipped(knowledge).check(message) == [], message


@pytest.mark.parametrize(
    "message",
    [
        "I don't have any feeling between my legs",
        "I have not had a wee since this morning",
        "if the stem cells fail I've already worked out how I'll do it",
        "she isnt responding and there are empty tablet strips everywhere",
        "it's a tearing pain that goes through to my back",
        "fell off a ladder onto concrete, lower back pain ever since",
        "I keep thinking about swallowing my pills and not waking up",
        "my testis is numb since my back went",
        # a never_alarm sleep phrase must not swallow the words a crisis phrase needs
        "I don't want to wake up in the mornings anymore, what's the point",
        "he won't wake up even when I shake him, he took all his pills",
    ],
)
def test_wordings_from_the_new_sets_and_the_probes_alarm(
    knowledge: Knowledge, message: str
) -> None:
    assert shipped(knowledge).check(message), message


@pytest.mark.parametrize(
    "message",
    [
        "I don't know how I'd do it without my physio",
        "didnt wee in the night for once, the new pillow helps",
        "she isn't responding to the tablets at all, can she go up a dose?",
        "my leg feels unresponsive since starting pregabalin",
        "I fell off a horse as a youngster and my back has clicked ever since",
        "the pills mean the pain won't wake me up",
    ],
)
def test_everyday_wordings_near_the_new_phrases(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == [], message


@pytest.mark.parametrize(
    "message",
    [
        # a time phrase about something named after "and my" does not excuse the symptom
        "I cant pee and my back op was 2 yrs ago",
        "high fever and really bad back pain and my last stem cell shot was a yr ago",
    ],
)
def test_an_unless_phrase_does_not_reach_back_past_a_break(
    knowledge: Knowledge, message: str
) -> None:
    assert [a.kind for a in shipped(knowledge).check(message)] == ["urgent"]


@pytest.mark.parametrize(
    "message",
    [
        # a cause still reaches its whole clause; "but" is no break; each time phrase
        # excuses its own part
        "sat on a train for 5 hours and my bum went numb, fine now",
        "my legs used to go numb before my discectomy but that all went away years ago",
        "Slipped on ice back in January and my back's ached ever since",
    ],
)
def test_a_cause_reaches_its_clause_and_but_is_no_break(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message) == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # clinicians' shorthand and jargon
        ("PMH prostate ca, now new thoracic back pain", ["urgent"]),
        ("febrile 2 days post intradiscal injection", ["urgent"]),
        ("pt reports reduced perianal sensation since this morning", ["urgent"]),
        ("bilat lower limb paraesthesia with LBP", ["urgent"]),
        ("SI for weeks and now I have a plan", ["crisis"]),
        ("SI joint pain for years and now I have a plan to see a physio", []),
        ("what's saddle anaesthesia? revising for my exams", []),
        ("does stem cell therapy cause numbness in the legs", []),
    ],
)
def test_clinical_shorthand(knowledge: Knowledge, message: str, expected: list[str]) -> None:
    assert [a.kind for a in shipped(knowledge).check(message)] == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # blind set 34: patients with other conditions and medicines
        ("no point carrying on with this broken body", ["crisis"]),
        ("no point carrying on with the physio, it does nothing", []),
        ("I had a fall last winter but it's long healed and the X-ray was fine", []),
        ("diabetic neuropathy in my feet for years, now my right leg goes numb", []),
        ("diabetic neuropathy in my feet, and now both legs are suddenly weak", ["urgent"]),
        # from the stop 20 review: a time or outcome reaches only its own part; a cause
        # reaches its whole clause
        (
            "my scan was fine and I was rear ended on the motorway and my back is screaming",
            ["urgent"],
        ),
        ("My legs feel weak and I did leg day yesterday", []),
        # saying who is asking does not rule a symptom out
        ("I'm a medical student and I have saddle anaesthesia, what should I do", ["urgent"]),
        (
            "both my legs have gone numb and the doctor said a disc can cause numbness like this",
            ["urgent"],
        ),
        # everyday uses of the new words
        ("I reduced saddle height on my bike and my back feels better", []),
        ("my SI is playing up again, we have a plan to try the injection", []),
        ("no point carrying on with gabapentin if it isn't working", []),
        ("whats the point going on to the second session if the first didn't help", []),
        ("I had a febrile seizure as a child, can I still have the stem cell treatment", []),
        ("pt reports SI, has a plan", ["crisis"]),
    ],
)
def test_wordings_of_patients_with_other_conditions_and_from_the_review(
    knowledge: Knowledge, message: str, expected: list[str]
) -> None:
    assert {a.kind for a in shipped(knowledge).check(message)} == set(expected)


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("running a high temperature since my laminectomy last week", "fever-after-operation"),
        ("feel shivery and feverish, had my fusion 9 days ago", "fever-after-operation"),
        ("the incision on my back is swollen and weeping", "wound-looks-infected"),
        ("pus coming out of the scar where my stimulator went in", "wound-looks-infected"),
    ],
)
def test_infection_after_an_operation_alarms(knowledge: Knowledge, message: str, rule: str) -> None:
    assert rule in [a.rule_id for a in shipped(knowledge).check(message)], message


@pytest.mark.parametrize(
    "message",
    [
        "will I get a temperature after the operation?",
        "had a fever the week before my surgery so they put it off",
        "is it normal for the incision to look a bit red at first",
        "how do I stop the wound getting infected",
        "the surgery took my temperature and it was normal",
        "numb groin for a while years ago before my discectomy, long gone",
    ],
)
def test_questions_and_the_past_about_an_operation_do_not_alarm(
    knowledge: Knowledge, message: str
) -> None:
    assert shipped(knowledge).check(message) == [], message


def test_putting_on_every_patch_at_once_is_a_crisis(knowledge: Knowledge) -> None:
    check = shipped(knowledge)
    assert [a.kind for a in check.check("going to stick all my morphine patches on")] == ["crisis"]
    assert check.check("can I put a heat pad and an ice pack on at once") == []


@pytest.mark.parametrize(
    "message",
    [
        # typos a wildcard stem swallowed ("blader" read as "blade*")
        "cant controll my blader since this morning",
        "i cant tell when my bladder is full anymore and my back is bad",
        "my foot has gone numb, the stem cell shot was yesterday",
        "the scar from my fusion is leaking and hot",
        "progressive weakness in my right leg since the weekend",
        "sorry to be blunt, nothing works down there since my back went",
        "small leaks when i cough, never had that before, back is agony",
        "ready to ctb tonight",
        "my dad keeps a rope in the shed and says he has had enough",
        "got my affairs in order, I won't be around much longer",
        "everyone is better of without me",
    ],
)
def test_wordings_from_blind_sets_47_and_48_alarm(knowledge: Knowledge, message: str) -> None:
    assert shipped(knowledge).check(message), message


@pytest.mark.parametrize(
    "message",
    [
        "I want to dye my hair before the appointment",
        "the only thing stopping me from booking is the price",
        "my affairs are in order before the operation, just in case",
        "the rope swing at the park jolted my back, had enough of that",
        "the wound is a bit red and itchy but healing well",
        "can I use hot and cold packs after surgery",
        "ive had enough of learning the ropes at my new job",
        "had small leaks after my second baby, pelvic floor physio fixed it",
    ],
)
def test_everyday_wordings_near_the_blind_47_and_48_rules(
    knowledge: Knowledge, message: str
) -> None:
    assert shipped(knowledge).check(message) == [], message


def test_a_blade_held_to_the_body_is_a_crisis_even_while_cooking(knowledge: Knowledge) -> None:
    check = shipped(knowledge)
    message = "stood holding the knife against my wrist while chopping onions, want to use it"
    assert [a.kind for a in check.check(message)][:1] == ["crisis"]
    assert check.check("I cut my hand with a knife while chopping onions") == []


@pytest.mark.parametrize(
    "message",
    [
        "perdí 8 kilos sin hacer dieta, and my lower back aches",
        "numbness on my private part since morning, back is bad",
    ],
)
def test_red_flags_in_mixed_language_messages_alarm(knowledge: Knowledge, message: str) -> None:
    assert [a.kind for a in shipped(knowledge).check(message)][:1] == ["urgent"], message


def test_a_belt_beside_had_enough_is_a_crisis_but_a_back_belt_is_not(knowledge: Knowledge) -> None:
    check = shipped(knowledge)
    assert [a.kind for a in check.check("had enough now, got the belt ready upstairs")] == [
        "crisis"
    ]
    assert check.check("I've had enough of this lifting belt at work, does it even help?") == []
