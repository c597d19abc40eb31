"""One hand-written report per ACLED sub-event type, through the whole pipeline (not from the seeds)."""
from datetime import date

import pytest

from frontlines.pipeline import Pipeline

PUB = date(2019, 5, 20)

CASES = [
    ("Armed clash", "Fighters of Ahrar al-Sham clashed with Islamic State militants near the town of Saraqib on Sunday."),
    ("Government regains territory", "Government forces recaptured the village of Kafr Nabudah from rebels on Sunday."),
    ("Non-state actor overtakes territory", "Hayat Tahrir al-Sham fighters seized the town of Kafranbel from Jaysh al-Izza on Sunday."),
    ("Chemical weapon", "Government helicopters dropped chlorine gas on the town of Khan Shaykhun on Sunday, killing three people."),
    ("Air/drone strike", "Russian warplanes bombed the town of Maarat al-Numan on Sunday, killing seven civilians."),
    ("Suicide bomb", "A suicide bomber of the Islamic State blew himself up at a checkpoint of the Syrian Democratic Forces in Manbij on Sunday."),
    ("Shelling/artillery/missile attack", "Government forces shelled the village of Habit with artillery on Sunday."),
    ("Remote explosive/landmine/IED", "A roadside bomb planted by unidentified gunmen struck a vehicle of the Syrian Democratic Forces near Manbij on Sunday."),
    ("Grenade", "Unidentified gunmen threw a grenade at a checkpoint of the Syrian National Army in Azaz on Sunday."),
    ("Sexual violence", "Islamic State fighters raped two women in the village of Al-Mayadin on Sunday."),
    ("Attack", "Gunmen of the Islamic State shot dead a shepherd near Palmyra on Sunday."),
    ("Abduction/forced disappearance", "Unidentified gunmen kidnapped a doctor in the town of Sarmada on Sunday."),
    ("Peaceful protest", "Hundreds of residents demonstrated peacefully against Hayat Tahrir al-Sham in the town of Kafranbel on Sunday."),
    ("Protest with intervention", "Hayat Tahrir al-Sham fighters dispersed a peaceful protest in the town of Kafranbel on Sunday and detained two protesters."),
    ("Excessive force against protesters", "Hayat Tahrir al-Sham fighters opened fire on protesters in the town of Kafranbel on Sunday, killing two of them."),
    ("Violent demonstration", "Angry protesters stormed and burned the local council building in the town of Sarmada on Sunday."),
    ("Mob violence", "A mob of residents beat a suspected thief to death in the town of Sarmada on Sunday."),
    ("Agreement", "Hayat Tahrir al-Sham and the National Front for Liberation signed a ceasefire agreement in Maarat al-Numan on Sunday."),
    ("Arrests", "Hayat Tahrir al-Sham arrested three commanders of Jaysh al-Izza in the town of Saraqib on Sunday."),
    ("Change to group/activity", "On Sunday, Jaysh al-Izza announced its defection from the National Front for Liberation in Hama."),
    ("Disrupted weapons use", "Syrian Democratic Forces engineers defused a car bomb in the city of Raqqa on Sunday."),
    ("Headquarters or base established", "Turkish troops established a new military base near the town of Saraqib on Sunday."),
    ("Looting/property destruction", "Islamic State fighters looted and burned houses in the village of Al-Mayadin on Sunday."),
    ("Non-violent transfer of territory", "Rebels handed over the town of Daraa al-Balad to government forces on Sunday under a settlement deal."),
    ("Other", "Hayat Tahrir al-Sham fighters besieged the town of Kafranbel on Sunday to pressure its residents."),
]


@pytest.fixture(scope="module")
def pipe():
    return Pipeline("syria")


@pytest.mark.parametrize("sub,text", CASES, ids=[c[0] for c in CASES])
def test_sub_event_type(pipe, sub, text):
    evs = pipe.process_text(text, doc_id="t", published=PUB).events
    assert evs, "no event"
    assert sub in [e.sub_event_type for e in evs], [(e.sub_event_type, e.actor1 and e.actor1.label) for e in evs]
    assert all(e.location is not None and e.event_date == date(2019, 5, 19) for e in evs)


def test_all_25_covered():
    from frontlines.models import SUB_EVENT_TYPES

    assert {c[0] for c in CASES} == set(SUB_EVENT_TYPES)
