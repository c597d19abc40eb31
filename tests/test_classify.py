"""SubEventClassifier: a regression suite of hand-written sentences (none from CASE 2021, none from the
training examples), and the CASE scorer on a tiny TSV written here."""
from __future__ import annotations

import json
from datetime import date

import pytest

from frontlines.bench_case import CASE_TO_ACLED, map_label, run_case2021, score
from frontlines.classify import LABELS, NON_ACLED, SubEventClassifier, load_examples
from frontlines.models import SUB_EVENT_TYPES

SENTENCES: dict[str, list[str]] = {
    "Armed clash": [
        "Fierce clashes between the army and PKK militants continued for a second day in Hakkari province.",
        "Soldiers and gunmen loyal to a warlord exchanged fire for hours near the port of Kismayo.",
    ],
    "Government regains territory": [
        "Colombian troops retook the hamlet from FARC dissidents after a two-day operation.",
        "The army said it had recaptured the strategic hill town from the insurgents on Thursday.",
    ],
    "Non-state actor overtakes territory": [
        "Fighters of the Karen National Union captured a military camp and took control of the surrounding villages.",
        "The insurgents took control of the district headquarters after the police abandoned it.",
    ],
    "Chemical weapon": [
        "Medics said victims of the strike on the suburb showed symptoms consistent with exposure to chlorine gas.",
    ],
    "Air/drone strike": [
        "Coalition jets bombed a weapons depot on the edge of Hodeidah overnight.",
        "An unmanned aerial vehicle struck a pickup truck carrying fighters near Sirte.",
    ],
    "Suicide bomb": [
        "A bomber wearing an explosives belt blew himself up at the entrance of a football stadium in Baidoa.",
    ],
    "Shelling/artillery/missile attack": [
        "Separatist artillery pounded the outskirts of Mariupol throughout the night.",
        "Mortar bombs fired by insurgents fell on the airport compound, damaging two aircraft.",
    ],
    "Remote explosive/landmine/IED": [
        "A roadside device detonated as an army truck passed near Gao, killing three soldiers.",
        "A herder lost his leg when he stepped on a landmine near the old front line in Tavush.",
    ],
    "Grenade": [
        "An unidentified man threw a grenade into a crowded nightclub in Bujumbura, wounding nine.",
    ],
    "Sexual violence": [
        "A teenage girl was raped by two soldiers at a checkpoint outside Bunia, a rights group said.",
    ],
    "Attack": [
        "Gunmen on motorbikes killed nine villagers and wounded several others in a raid on a hamlet in Katsina.",
        "A human rights lawyer was shot dead outside his office by unknown attackers.",
    ],
    "Abduction/forced disappearance": [
        "Armed men kidnapped a Catholic priest and his driver on the road to Enugu.",
        "Relatives say the blogger has not been seen since he was taken away by masked men last month.",
    ],
    "Peaceful protest": [
        "Thousands of nurses marched peacefully through Lagos to demand better pay.",
        "Residents held a sit-in in front of the town hall to protest water shortages.",
    ],
    "Protest with intervention": [
        "Riot police fired tear gas to break up a crowd of students protesting against tuition fees.",
    ],
    "Excessive force against protesters": [
        "Troops opened fire on demonstrators calling for the return of civilian rule, killing four.",
    ],
    "Violent demonstration": [
        "Protesters hurled stones at police and set a municipal office on fire in Dakar.",
    ],
    "Mob violence": [
        "A mob lynched two men accused of stealing a motorbike in a market in Goma.",
    ],
    "Agreement": [
        "The two rebel movements and the government signed a ceasefire deal in Juba on Monday.",
        "Moscow and Kyiv swapped dozens of prisoners of war in a deal brokered by the UAE.",
    ],
    "Arrests": [
        "Police in Dhaka arrested 12 opposition activists in overnight raids.",
        "Security forces detained a senior member of the banned movement at his home in Cairo.",
    ],
    "Change to group/activity": [
        "Two jihadist factions in the Sahel announced they would merge under a single command.",
        "The militia named a new commander after its leader was killed last week.",
    ],
    "Disrupted weapons use": [
        "Air defence units shot down three attack drones before they reached the refinery.",
        "Bomb squad officers defused an explosive device left outside a polling station.",
    ],
    "Headquarters or base established": [
        "The rebels set up a new base in an abandoned school on the edge of the town.",
    ],
    "Looting/property destruction": [
        "Militiamen looted the market and set fire to dozens of shops before leaving.",
    ],
    "Non-violent transfer of territory": [
        "Government forces withdrew from the border post, which the local militia then occupied without a fight.",
    ],
    "Other": [
        "Army officers seized power in a bloodless coup and suspended the constitution.",
    ],
}


@pytest.fixture(scope="module")
def clf() -> SubEventClassifier:
    return SubEventClassifier("syria")


def test_every_acled_type_is_covered():
    assert set(SENTENCES) == set(SUB_EVENT_TYPES)
    assert set(CASE_TO_ACLED.values()) == set(SUB_EVENT_TYPES)


def test_test_sentences_are_not_training_examples():
    seeds = {e.text.strip().lower() for e in load_examples()}
    for sentences in SENTENCES.values():
        for s in sentences:
            assert s.strip().lower() not in seeds


def test_examples_cover_every_label():
    labels = {e.label for e in load_examples()}
    assert labels == set(LABELS)


@pytest.mark.parametrize("expected,sentence", [(lab, s) for lab, ss in SENTENCES.items() for s in ss])
def test_predicts_sub_event_type(clf, expected, sentence):
    label, conf = clf.predict(sentence)
    assert label == expected, (sentence, label, conf)
    assert 0.0 < conf <= 1.0


def test_non_events(clf):
    assert clf.predict("A 6.1 magnitude earthquake struck the coast, killing at least 40 people.")[0] == "NATURAL_DISASTER"
    assert clf.predict("The central bank kept interest rates unchanged on Wednesday.")[0] in NON_ACLED


def test_deterministic_and_batch_consistent(clf):
    s = "Rebels shelled the army's positions near the river."
    one = clf.predict(s)
    many = clf.predict_many([s, "Police arrested a journalist.", s])
    assert one[0] == many[0][0] == many[2][0]
    assert abs(one[1] - many[0][1]) < 1e-4


def test_rank_among_candidates(clf):
    ranked = clf.rank("Gunmen attacked a wedding party, killing 14 guests.", ["Armed clash", "Attack"])
    assert ranked[0][0] == "Attack"
    assert abs(sum(v for _, v in ranked) - 1.0) < 1e-6


def test_classifier_uses_the_sentence_model(clf):
    assert clf.backend == "mpnet-base"  # the model wheels are part of `make install`


def test_tfidf_fallback_runs():
    c = SubEventClassifier(None, backend="tfidf")
    label, conf = c.predict("A grenade was thrown at a police station.")
    assert label == "Grenade" and conf > 0


# ---------------------------------------------------------------------------------------------- the scorer
def test_map_label():
    assert map_label("ART_MISS_ATTACK") == "Shelling/artillery/missile attack"
    assert map_label("DIPLO") == "DIPLO"


def test_score_weighted_f1_by_hand():
    gold = ["Grenade", "Grenade", "Attack", "Attack", "Attack", "DIPLO"]
    pred = ["Grenade", "Attack", "Attack", "Attack", "ORG_CRIME", "Grenade"]
    res = score(gold, pred)
    g, a = res["per_class"]["Grenade"], res["per_class"]["Attack"]
    # Grenade: tp 1, fp 1 (the DIPLO snippet), fn 1 -> P 0.5, R 0.5, F1 0.5; Attack: tp 2, fp 1, fn 1 -> 2/3
    assert (g["precision"], g["recall"], g["f1"], g["support"]) == (0.5, 0.5, 0.5, 2)
    assert abs(a["f1"] - 2 / 3) < 1e-9 and a["support"] == 3
    assert abs(res["weighted_f1"] - (0.5 * 2 + 2 / 3 * 3) / 5) < 1e-9


def test_case_scorer_arithmetic():
    """Weighted F1 over ACLED labels only; a non-ACLED prediction on an ACLED snippet is an error."""
    gold = ["Grenade", "Grenade", "Attack", "Attack", "Attack", "DIPLO"]
    pred = ["Grenade", "Attack", "Attack", "Attack", "ORG_CRIME", "Grenade"]
    result = score(gold, pred)
    assert result["support"] == 5
    # Grenade: P 1/2 (one false positive from the DIPLO snippet), R 1/2 -> F1 0.5; Attack: P 2/3, R 2/3
    assert abs(result["weighted_f1"] - (0.5 * 2 + 2 / 3 * 3) / 5) < 1e-9
    assert abs(result["accuracy"] - 3 / 5) < 1e-9


def test_run_case2021_with_the_real_classifier(tmp_path):
    from rich.console import Console

    path = tmp_path / "case.tsv"
    rows = [("1", "A suicide bomber blew himself up at a police checkpoint, killing six officers.", "SUIC_BOMB"),
            ("2", "Police arrested twelve members of the opposition party during a night raid.", "ARREST"),
            ("3", "Floods swept away dozens of homes after days of heavy rain.", "NATURAL_DISASTER")]
    path.write_text("id\tEventSnippet\tSubType\n" + "".join(f"{i}\t{t}\t{g}\n" for i, t, g in rows), encoding="utf-8")
    console = Console(record=True, width=120)
    report = run_case2021(path, console=console)
    assert report["snippets"] == 3 and report["acled_snippets"] == 2 and report["non_acled"]["snippets"] == 1
    assert report["weighted_f1"] == 1.0  # two easy, hand-written reports
    assert console.export_text().rstrip().splitlines()[-1] == "weighted F1 (ACLED 25) = 1.00"
    json.dumps(report)  # the CLI's --json


def test_dev_set_is_well_formed():
    from frontlines.classify import DEV_PATH

    rows = [json.loads(line) for line in DEV_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 300
    from shared_paths import FAKES

    fakes_ids = {json.loads(line)["id"] for line in FAKES.read_text(encoding="utf-8").splitlines() if line.strip()}
    for r in rows:
        assert set(r) == {"text", "label", "source"}
        assert r["label"] in LABELS and r["text"].strip()
        assert r["source"].startswith("fakes:fakes-")
        if fakes_ids is not None:
            assert r["source"][len("fakes:"):] in fakes_ids
    assert len({r["text"].lower() for r in rows}) == len(rows)
    assert sum(r["label"] in SUB_EVENT_TYPES for r in rows) >= 150
    # never trained on
    train = {e.text.strip().lower() for e in load_examples()}
    assert not any(r["text"].strip().lower() in train for r in rows)


def test_lazy_classifier_builds_on_first_question():
    from frontlines.classify import LazyClassifier

    lazy = LazyClassifier("syria", backend="tfidf")
    assert not lazy.loaded
    ranked = lazy.rank("A grenade was thrown at a police station.", ["Grenade", "Attack"])
    assert lazy.loaded and ranked[0][0] == "Grenade"
    assert lazy.backend == "tfidf-hash"  # attributes are the real classifier's


def test_pipeline_does_not_load_the_model_until_asked():
    from frontlines.pipeline import Pipeline

    pipe = Pipeline("syria")
    events = pipe.process_text("Russian warplanes struck the town of Saraqib on Sunday, killing five civilians.",
                               published=date(2019, 5, 20)).events
    assert events and not pipe.extractor.classifier.loaded  # the rules decided: no model loaded
