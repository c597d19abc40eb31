"""extract: hand-written sentences (not from the seeds) through the real pipeline and pack."""
from datetime import date

import pytest

from frontlines.pipeline import Pipeline

PUB = date(2019, 5, 20)  # a Monday


@pytest.fixture(scope="module")
def pipe():
    return Pipeline("syria")


def events(pipe, text):
    return pipe.process_text(text, doc_id="t", published=PUB).events


def one(pipe, text):
    evs = events(pipe, text)
    assert len(evs) == 1, [(e.sub_event_type, e.evidence) for e in evs]
    return evs[0]


def test_armed_clash_between_two_groups(pipe):
    e = one(pipe, "Clashes broke out between Ahrar al-Sham and Hurras al-Din in the town of Sarmada on Saturday.")
    assert (e.event_type, e.sub_event_type) == ("Battles", "Armed clash")
    assert {e.actor1.actor_id, e.actor2.actor_id} == {"ahrar-al-sham", "hurras-al-din"}
    assert e.location.name == "Sarmada" and e.event_date == date(2019, 5, 18)


def test_air_strike_with_fatalities_and_outcome_folded(pipe):
    e = one(pipe, "Russian warplanes struck a market in the town of Maarat al-Numan on Sunday, killing 11 civilians.")
    assert e.sub_event_type == "Air/drone strike"
    assert e.actor1.actor_id == "mf-russia"
    assert e.fatalities == 11
    assert e.event_date == date(2019, 5, 19)


def test_shelling(pipe):
    e = one(pipe, "Government forces shelled the village of Kafranbel on Thursday.")
    assert e.sub_event_type == "Shelling/artillery/missile attack" and e.actor1.actor_id == "mf-syria"
    assert e.location.admin1 and "idl" in e.location.admin1.lower()


def test_arrests_one_event_per_detainee_group(pipe):
    evs = events(pipe, "On Tuesday, Hayat Tahrir al-Sham arrested a commander of Jaysh al-Izza and a commander of Faylaq al-Sham in Saraqib.")
    assert sorted(e.actor2.actor_id for e in evs) == ["faylaq-al-sham", "jaysh-al-izza"]
    assert all(e.sub_event_type == "Arrests" and e.actor1.actor_id == "hts" for e in evs)


def test_protest_has_protesters_as_actor1(pipe):
    e = one(pipe, "Hundreds of residents of Maarat al-Numan demonstrated against Hayat Tahrir al-Sham on Friday.")
    assert e.event_type == "Protests" and e.actor1.name == "Protesters (Syria)"


def test_attack_on_civilians(pipe):
    e = one(pipe, "Gunmen of the Islamic State killed a teacher in the town of Al-Mayadin on Wednesday.")
    assert (e.event_type, e.sub_event_type) == ("Violence against civilians", "Attack")
    assert e.actor1.actor_id == "islamic-state" and e.fatalities == 1


def test_dozens_count_twelve(pipe):
    e = one(pipe, "Regime airstrikes on the town of Khan Shaykhun killed dozens of civilians on Monday.")
    assert e.fatalities == 12


def test_hedged_claim_keeps_claimant(pipe):
    e = one(pipe, "According to opposition activists, Hurras al-Din allegedly attacked a checkpoint of Hayat Tahrir al-Sham near Sarmada.")
    assert e.hedged and e.hedge_cue and "activists" in (e.claimant or "")


NO_EVENT = [
    # plans, conditions, negations
    "Hayat Tahrir al-Sham vowed to launch an offensive against the army in Saraqib.",
    "The expected battle between Turkey and Hayat Tahrir al-Sham in Idlib has not started.",
    "If Hurras al-Din attacked Sarmada, the truce would collapse.",
    "Hurras al-Din did not attack the checkpoints in Sarmada.",
    "Were the report true, it would be the first assault by Hurras al-Din on Ahrar al-Sham positions in Sarmada.",
    "That would be the first clash between Hurras al-Din and Ahrar al-Sham in Sarmada.",
    "The defence ministry denied its warplanes carried out air strikes on the market in Saraqib on Sunday.",
    # history and the war's origins
    "The war began in 2011 when the army shelled protesters in Daraa.",
    "Hezbollah and the army launched an offensive on Zabadani last year.",
    "Opponents of the government took up arms after a crackdown on peaceful protests inspired by the Arab Spring in Daraa.",
    # campaigns, changes of tempo, habits
    "Russian warplanes began air strikes last autumn to support the government offensive around Hama.",
    "Government and Russian forces have lately intensified aerial bombardment on Kafr Nabl.",
    "Rebels of Ahrar al-Sham regularly fire rockets into Sarmada from the hills.",
    "Kafr Nabl has regularly been targeted by government air strikes.",
    "Hurras al-Din has been on the back foot in Sarmada after a string of air strikes.",
    # tallies over time
    "Turkish jets have been striking PKK positions in Afrin since last September.",
    "Government air strikes since January have hit several villages around Saraqib.",
    "In less than two weeks Kafr Nabl has been shelled with dozens of barrel bombs.",
    "Since Thursday bombing has killed 44 civilians in Kafr Nabl.",
    "Hurras al-Din has been battling Ahrar al-Sham in Sarmada since June 9 when it launched an offensive.",
    "Two days of heavy bombardment on Kafr Nabl have killed 38 civilians.",
    "At least 127 people have been killed by air strikes on Douma since the army began its offensive.",
]


@pytest.mark.parametrize("text", NO_EVENT)
def test_no_event_from_plans_conditions_history_campaigns_or_tallies(pipe, text):
    assert events(pipe, text) == [], [(e.sub_event_type, e.evidence) for e in events(pipe, text)]


def test_anaphora_the_group(pipe):
    evs = events(pipe, "Jaysh al-Izza holds several villages north of Hama.\n\nOn Sunday the group shelled army positions in Kafr Zita.")
    assert evs and evs[0].actor1.actor_id == "jaysh-al-izza"


def test_location_from_the_event_clause(pipe):
    e = one(pipe, "In Idlib province, rebels clashed with government forces in the village of Habit on Friday.")
    assert e.location.name == "Habit"


def test_unknown_armed_group_is_provisional(pipe):
    e = one(pipe, "Liwa Fursan al-Tilal fighters clashed with the Islamic State near Palmyra on Monday.")
    actors = {e.actor1.actor_id, e.actor2.actor_id}
    assert "islamic-state" in actors
    prov = [a for a in (e.actor1, e.actor2) if a.provisional]
    assert prov and prov[0].actor_id.startswith("prov:")


def test_nothing_from_boilerplate(pipe):
    text = ("Rebels clashed with government forces near the town of Saraqib in the Idlib countryside on Tuesday, "
            "according to a war monitor that relies on a network of sources on the ground.\n\n"
            "3 Comments\n\nJohn Smith\n\nTurkish troops shelled Afrin yesterday lol, what a joke\n\n"
            "Mary Jones\n\nsure they did, lol\n\nReply\n")
    evs = events(pipe, text)
    assert all("Afrin" not in e.evidence for e in evs)


def test_protest_that_turned_violent_is_one_riot(pipe):
    text = ("On Thursday, May 16, hundreds of residents of Saraqib protested against Hayat Tahrir al-Sham. "
            "The protesters stormed and burned a police station of the group in the town.")
    evs = events(pipe, text)
    assert [e.event_type for e in evs] == ["Riots"]
    assert evs[0].actor1.name == "Rioters (Syria)"


@pytest.mark.parametrize("text,cue", [
    ("Hurras al-Din allegedly shelled the village of Kafr Zita on Monday.", "allegedly"),
    ("Government forces reportedly shelled the village of Kafr Zita on Monday.", "reportedly"),
    ("Pro-government media claimed that Hurras al-Din shelled the village of Kafr Zita on Monday.", "claimed"),
    ("Rumours spread that Hurras al-Din shelled the village of Kafr Zita on Monday.", "Rumours"),
])
def test_hedging_cues(pipe, text, cue):
    e = one(pipe, text)
    assert e.hedged and e.hedge_cue.lower() == cue.lower()


def test_claim_carries_to_according_to_them(pipe):
    text = ("Local sources are spreading rumours about a new raid. According to them, Russian special forces "
            "raided a position of Faylaq al-Sham near the village of Kafr Zita on Sunday.")
    e = one(pipe, text)
    assert e.hedged and e.actor1.actor_id == "mf-russia"


def test_plain_attribution_is_not_a_hedge(pipe):
    e = one(pipe, "Government forces shelled the village of Kafr Zita on Monday, the monitor said.")
    assert not e.hedged


def test_owner_of_a_facility_is_the_target(pipe):
    e = one(pipe, "On Tuesday, angry residents stormed a police station affiliated with Hayat Tahrir al-Sham in Sarmada.")
    assert e.event_type == "Riots" and e.actor2.actor_id == "hts"


def test_defection_names_the_group_left(pipe):
    evs = events(pipe, "On Sunday, Jaysh al-Izza announced its defection from Hayat Tahrir al-Sham in Hama.")
    assert any(e.sub_event_type == "Change to group/activity" and e.actor2 and e.actor2.actor_id == "hts" for e in evs)


def test_object_control_gives_the_agent_and_developments_stay_apart(pipe):
    """'X detained members of Y, prompting their comrades to set up checkpoints': two developments,
    and the checkpoints are Y's (the object of 'prompting' is who sets them up)."""
    evs = events(pipe, "Ahrar al-Sham fighters detained five members of Jaish al-Izza in Saraqib on Sunday, "
                       "prompting their comrades to set up checkpoints around the town.")
    by_sub = {e.sub_event_type: e for e in evs}
    assert set(by_sub) == {"Arrests", "Headquarters or base established"}
    assert by_sub["Arrests"].actor1.actor_id == "ahrar-al-sham"
    assert by_sub["Arrests"].actor2.actor_id == "jaysh-al-izza"
    assert by_sub["Headquarters or base established"].actor1.actor_id == "jaysh-al-izza"


def test_object_control_with_an_order(pipe):
    e = one(pipe, "Hurras al-Din ordered its fighters to attack the positions of Ahrar al-Sham near Sarmada on Saturday.")
    assert e.event_type == "Battles"
    assert {e.actor1.actor_id, e.actor2.actor_id} == {"hurras-al-din", "ahrar-al-sham"}


def test_a_campaign_verb_with_a_target_is_still_an_event(pipe):
    e = one(pipe, "Russian warplanes began air strikes on the town of Kafr Zita on Sunday, killing four civilians.")
    assert e.sub_event_type == "Air/drone strike" and e.location.name == "Kafr Zayta"


def test_a_headline_run_into_its_lead_counts_the_dead_once(pipe):
    e = one(pipe, "Car bomb kills nine in Azaz market Car bomb in crowded Azaz market on Sunday kills nine and wounds dozens.")
    assert e.fatalities == 9


def test_headline_style_figures(pipe):
    e = one(pipe, "7 Killed, Over 40 Injured in Hurras al-Din Suicide Attack on Ahrar al-Sham Checkpoint in Sarmada.")
    assert e.sub_event_type == "Suicide bomb"
    assert e.fatalities == 7 and e.injured == 40


def test_a_dated_event_survives_a_since_phrase(pipe):
    e = one(pipe, "Government forces recaptured Kafr Nabl from Hurras al-Din on Sunday, their first advance since January.")
    assert e.sub_event_type == "Government regains territory" and e.event_date == date(2019, 5, 19)


def test_a_modified_trigger_is_one_event_and_its_dead_are_its_outcome(pipe):
    """'missile attack ... killed eleven members of X': one strike, not a strike, a second strike
    (from 'missile') and a battle (from 'killed')."""
    e = one(pipe, "A government missile attack on Kafr Nabl on Sunday killed eleven members of Hurras al-Din.")
    assert e.sub_event_type == "Shelling/artillery/missile attack"
    assert e.fatalities == 11


def test_a_barrel_bomb_attack_is_one_air_strike(pipe):
    e = one(pipe, "A barrel bomb attack by government helicopters hit the town of Kafr Nabl on Sunday, killing seven civilians.")
    assert e.sub_event_type == "Air/drone strike" and e.fatalities == 7


def test_capturing_people_is_not_taking_ground(pipe):
    evs = events(pipe, "Hurras al-Din fighters captured one of the commanders of Ahrar al-Sham near Sarmada on Sunday.")
    assert not [e for e in evs if "territory" in e.sub_event_type], [e.sub_event_type for e in evs]
    e = one(pipe, "Hurras al-Din fighters captured the village of Kafr Nabl from Ahrar al-Sham on Sunday.")
    assert e.sub_event_type == "Non-state actor overtakes territory"


def test_what_is_called_for_is_not_done(pipe):
    assert events(pipe, "Opposition leaders urged the rebels of Ahrar al-Sham to attack the army positions in Sarmada on Sunday.") == []
    e = one(pipe, "Activists called the shelling of Kafr Nabl by government forces on Sunday a massacre.")
    assert e.sub_event_type == "Shelling/artillery/missile attack"


def test_a_passive_verb_without_its_own_subject_takes_it_as_patient(pipe):
    """'a rebel opened fire ... before being executed': the rebel was executed, he executed no one."""
    evs = events(pipe, "A rebel opened fire at troops in Sarmada on Sunday before being executed along with his family.")
    assert not [e for e in evs if e.sub_event_type == "Attack" and e.actor1 and e.actor1.name == "Opposition Rebels (Syria)"]


def test_a_running_total_is_not_an_event_unless_the_day_is_named(pipe):
    assert events(pipe, "Government air strikes on Kafr Nabl have killed hundreds of civilians, activists say.") == []
    e = one(pipe, "Government air strikes on Kafr Nabl have killed twelve civilians on Sunday, activists say.")
    assert e.sub_event_type == "Air/drone strike" and e.fatalities == 12


def test_support_from_an_ally_is_not_a_target(pipe):
    evs = events(pipe, "Hurras al-Din fighters attacked Ahrar al-Sham positions in Sarmada on Sunday with support from Ansar al-Din.")
    assert evs and all(e.actor2 is None or e.actor2.actor_id != "ansar-al-din" for e in evs)


def test_the_perpetrator_is_not_whoever_talks_about_it(pipe):
    evs = events(pipe, "Hurras al-Din's leader condemned the silence of the world over the Kafr Nabl massacre on Sunday.")
    assert all(e.actor1 is None or e.actor1.actor_id != "hurras-al-din" for e in evs)


def test_a_backer_is_not_the_actor(pipe):
    e = one(pipe, "Russian-backed government forces recaptured Kafr Nabl on Sunday.")
    assert e.sub_event_type == "Government regains territory" and e.actor1.actor_id == "mf-syria"


def test_civilians_killed_by_strikes_during_fighting_are_the_strikes_dead(pipe):
    evs = events(pipe, "Government air strikes on Kafr Nabl killed 14 civilians on Sunday as fighting raged between "
                       "Hurras al-Din and Ahrar al-Sham nearby.")
    strikes = [e for e in evs if e.sub_event_type == "Air/drone strike"]
    assert strikes and strikes[0].fatalities == 14
    assert all(e.fatalities == 0 for e in evs if e.event_type == "Battles")


def test_the_place_is_where_the_strike_landed_not_where_the_shooters_sat(pipe):
    e = one(pipe, "Militants positioned in Binnish shelled the village of al-Fouaa on Sunday.")
    assert e.location.name == "Al-Fuah"


def test_reported_killed_and_rocket_shells(pipe):
    e = one(pipe, "Two more people were reported killed on Sunday in a rocket attack that hit the Midan neighbourhood of Aleppo.")
    assert e.sub_event_type == "Shelling/artillery/missile attack" and e.fatalities == 2
    e = one(pipe, "A woman was killed and three civilians were injured by rocket shells on the Jamiliyeh neighbourhood of Aleppo on Sunday.")
    assert e.sub_event_type == "Shelling/artillery/missile attack" and (e.fatalities, e.injured) == (1, 3)


@pytest.mark.parametrize("text,sub,killed", [
    ("At least nine people were killed in a double suicide bomb attack at an army checkpoint in Homs on Sunday.", "Suicide bomb", 9),
    ("A bomb blast in the city of Qamishli on Sunday killed 11 people.", "Remote explosive/landmine/IED", 11),
    ("Four people were killed when a blast ripped through a bus in the Midan neighbourhood of Damascus on Sunday.",
     "Remote explosive/landmine/IED", 4),
    ("A truck bomb exploded near a hospital in Azaz on Sunday, killing 16 people.", "Remote explosive/landmine/IED", 16),
])
def test_blasts_and_bombs(pipe, text, sub, killed):
    e = one(pipe, text)
    assert (e.sub_event_type, e.fatalities) == (sub, killed)


@pytest.mark.parametrize("text,sub,killed", [
    ("The death toll from a bomb blast on a bus convoy outside Azaz on Saturday reached at least 41 people, the monitor said.",
     "Remote explosive/landmine/IED", 41),
    ("Air strikes on two hospitals in Kafr Nabl on Thursday left 10 people dead.", "Air/drone strike", 10),
    ("A bomb attack in the city of Homs on Wednesday has claimed the lives of 18 civilians.", "Remote explosive/landmine/IED", 18),
    ("A twin bombing struck a crowd in the town of Qamishli on Wednesday, killing 44 people.", "Remote explosive/landmine/IED", 44),
])
def test_tolls_and_other_ways_of_counting_the_dead(pipe, text, sub, killed):
    e = one(pipe, text)
    assert (e.sub_event_type, e.fatalities) == (sub, killed)


def test_the_target_of_a_blast_is_not_its_perpetrator(pipe):
    e = one(pipe, "A suicide blast near the headquarters of Ahrar al-Sham in Sarmada on Sunday killed 45 people.")
    assert e.sub_event_type == "Suicide bomb"
    assert e.actor1.actor_id != "ahrar-al-sham" and e.actor2 is not None and e.actor2.actor_id == "ahrar-al-sham"


def test_a_barrel_bomb_explosion_is_an_air_strike(pipe):
    e = one(pipe, "A barrel bomb explosion in the Sakhour neighbourhood of Aleppo on Sunday killed four people.")
    assert e.sub_event_type == "Air/drone strike"


@pytest.mark.parametrize("text,sub", [
    ("Russian strikes on Kafr Nabl killed 12 Hurras al-Din fighters on Saturday.", "Air/drone strike"),
    ("Government warplanes continued their bombardment of Douma on Tuesday, killing nine civilians.", "Air/drone strike"),
    ("Government forces' artillery bombardment of Douma on Tuesday killed nine civilians.", "Shelling/artillery/missile attack"),
])
def test_strikes_and_bombardments_by_what_delivers_them(pipe, text, sub):
    assert one(pipe, text).sub_event_type == sub


def test_a_year_run_into_a_count_is_not_a_count(pipe):
    e = one(pipe, "Published September 15 2016 Twenty-three civilians were killed in air strikes on Kafr Nabl on Thursday.")
    assert e.fatalities == 23


def test_a_sentences_dead_are_counted_once(pipe):
    evs = events(pipe, "Government air strikes and artillery fire killed 19 civilians in Douma on Sunday.")
    assert sum(e.fatalities for e in evs) == 19
    assert next(e for e in evs if e.sub_event_type == "Air/drone strike").fatalities == 19
    evs = events(pipe, "At least 25 civilians were killed in government air strikes on Kafr Nabl on Thursday "
                       "after Hurras al-Din launched an offensive against Ahrar al-Sham.")
    assert sum(e.fatalities for e in evs) == 25


# ACLED's note style (a leading "Label:", "On <date>," openers, generic lowercase actors) and news style:
# the wordings ACLED codes, written here for the tests (none is taken from an ACLED note).
# (text, sub-event type, actor1 id or None for "any", fatalities)
NOTE_STYLE = [
    # movement of forces, security measures, leaving a coalition: change to group/activity
    ("Movement of forces: On 12 May 2019, Turkish forces sent military reinforcements to their posts near Saraqib.",
     "Change to group/activity", "mf-turkey", 0),
    ("Russian military police conducted a patrol near the town of Manbij on Sunday.", "Change to group/activity", "mf-russia", 0),
    ("On 12 May 2019, a joint patrol by Turkish and Russian forces took place near Manbij.", "Change to group/activity", "mf-turkey", 0),
    ("Security measures: On 12 May 2019, Hayat Tahrir al-Sham tightened security in the town of Sarmada.",
     "Change to group/activity", "hts", 0),
    ("On 12 May 2019, the SDF conducted an anti-IS raid in the village of Hajin. No arrests were reported.",
     "Change to group/activity", "sdf", 0),
    # remains found, found dead: attack by an unidentified group, one dead
    ("On 12 May 2019, the body of a young shepherd was found near Tafas in Daraa.", "Attack", "unidentified-armed-group-syria", 1),
    ("A farmer was found dead with gunshot wounds near the town of Sarmada on Sunday.", "Attack", "unidentified-armed-group-syria", 1),
    ("On 12 May 2019, the bodies of 3 civilians were found on a road near Tafas.", "Attack", "unidentified-armed-group-syria", 3),
    # weapons: ATGMs, drones as the subject, IEDs with no perpetrator
    ("On 12 May 2019, rebels destroyed a regime tank near Kafranbel using an ATGM. No casualties were reported.",
     "Shelling/artillery/missile attack", "rebels-syria", 0),
    ("Hayat Tahrir al-Sham targeted a regime position near Kafranbel with a guided missile on Sunday.",
     "Shelling/artillery/missile attack", "hts", 0),
    ("On 12 May 2019, a Turkish drone targeted an SDF vehicle near Manbij.", "Air/drone strike", "mf-turkey", 0),
    ("A Turkish drone attacked a checkpoint of the YPG near Manbij on Sunday.", "Air/drone strike", "mf-turkey", 0),
    ("On 12 May 2019, an IED exploded near a vehicle in the town of Hajin. No casualties were reported.",
     "Remote explosive/landmine/IED", "unidentified-armed-group-syria", 0),
    ("A boy was killed when an old bomb exploded in a house in Tafas on Sunday.", "Remote explosive/landmine/IED", None, 1),
    # clashes: exchanges of fire, "between X against Y", passive dead, coordinated sides
    ("Regime forces and rebels exchanged fire near the town of Kafranbel on Sunday.", "Armed clash", None, 0),
    ("On 12 May 2019, clashes took place between Hayat Tahrir al-Sham against regime forces near Kafranbel.", "Armed clash", "hts", 0),
    ("Four rebel fighters were killed in clashes with regime forces near Kafranbel on Sunday.", "Armed clash", "mf-syria", 4),
    ("Regime forces and Hayat Tahrir al-Sham clashed near the town of Kafranbel on Sunday.", "Armed clash", "mf-syria", 0),
    # territory: regained / gained control (after clashes: the change, not the clash)
    ("Regime forces regained control of the village of Kafr Nabudah following clashes with rebels on Sunday.",
     "Government regains territory", "mf-syria", 0),
    ("Hayat Tahrir al-Sham gained control of the town of Kafranbel after clashes with Jaysh al-Izza on Sunday.",
     "Non-state actor overtakes territory", "hts", 0),
    # ACLED's coding rules: arrests by a non-state group are abductions; an attack on a soldier is a battle
    ("On 12 May 2019, Hayat Tahrir al-Sham arrested a media activist in Sarmada.", "Abduction/forced disappearance", "hts", 0),
    ("Arrests: On 12 May 2019, regime forces arrested five young men in Douma.", "Arrests", "mf-syria", 0),
    ("Unidentified gunmen assassinated a soldier of the regime forces in Tafas on Sunday.", "Armed clash",
     "unidentified-armed-group-syria", 1),
    ("Fighters of Ahrar al-Sharqiya assaulted a civilian in the market of Sarmada on Sunday.", "Attack", None, 0),
    ("On 12 May 2019, unidentified gunmen shot and wounded a teacher in Tafas.", "Attack", "unidentified-armed-group-syria", 0),
    # property: levies, setting fire
    ("Looting: On 12 May 2019, rebels looted the crops of farmers in the village of Kafr Nabudah.",
     "Looting/property destruction", "rebels-syria", 0),
    ("Hayat Tahrir al-Sham imposed new levies on traders in the town of Sarmada on Sunday.", "Looting/property destruction", "hts", 0),
    ("Unidentified gunmen set fire to a car of a local official in Tafas on Sunday.", "Looting/property destruction", None, 0),
    # protests in a participle
    ("On 12 May 2019, dozens of residents gathered in the main square of Sarmada protesting Hayat Tahrir al-Sham policies.",
     "Peaceful protest", None, 0),
]


@pytest.mark.parametrize("text,sub,actor1,killed", NOTE_STYLE, ids=[f"{i}-{c[1]}" for i, c in enumerate(NOTE_STYLE)])
def test_note_style_and_news_style_wordings(pipe, text, sub, actor1, killed):
    evs = events(pipe, text)
    best = [e for e in evs if e.sub_event_type == sub]
    assert best, [(e.sub_event_type, e.actor1 and e.actor1.actor_id) for e in evs]
    e = best[0]
    if actor1 is not None:
        assert actor1 in {e.actor1 and e.actor1.actor_id, e.actor2 and e.actor2.actor_id}, (e.actor1, e.actor2)
    assert e.fatalities == killed



def test_a_note_label_is_its_own_sentence(pipe):
    # the label swallows the clause's subject when parsed with it
    e = one(pipe, "Movement of forces: On 12 May 2019, Turkish forces sent reinforcements to Saraqib.")
    assert e.actor1.actor_id == "mf-turkey" and e.sub_event_type == "Change to group/activity"


def test_a_clash_that_won_ground_is_coded_as_the_territory_change(pipe):
    evs = events(pipe, "Regime forces regained control of the village of Kafr Nabudah following clashes with rebels on Sunday.")
    assert [e.sub_event_type for e in evs] == ["Government regains territory"]
    assert evs[0].actor2.actor_id == "rebels-syria"


def test_a_mass_arrest_by_a_group_holding_the_ground_stays_an_arrest(pipe):
    e = one(pipe, "Hayat Tahrir al-Sham arrested dozens of young men in the town of Sarmada on Sunday.")
    assert e.sub_event_type == "Arrests"


def test_a_strike_on_the_opposed_side_is_not_by_it(pipe):
    e = one(pipe, "The SDF carried out an anti-IS security raid in the village of Hajin on Sunday.")
    assert e.actor1.actor_id == "sdf"


def test_a_drone_named_with_other_weapons_in_a_campaign_is_not_an_event(pipe):
    assert events(pipe, "Combat drones of the coalition conducted several strikes on militants in the region.") == []


@pytest.mark.parametrize("text,sub", [
    ("On 12 May 2019, gunmen believed to belong to the Islamic State shot and killed a shepherd near Hajin.", "Attack"),
    ("Unknown gunmen, presumably IS, opened fire on an SDF patrol near Hajin on Sunday, killing two SDF fighters.", "Armed clash"),
])
def test_attackers_attributed_to_a_group_are_coded_as_it(pipe, text, sub):
    e = one(pipe, text)
    assert e.sub_event_type == sub and e.actor1.actor_id == "islamic-state"


@pytest.mark.parametrize("text,sub,actor1,actor2", [
    ("Regime forces advanced towards the town of Kafranbel on Sunday.", "Government regains territory", "mf-syria", None),
    ("Hayat Tahrir al-Sham controlled the village of Kafr Nabudah after clashes with Jaysh al-Izza on Sunday.",
     "Non-state actor overtakes territory", "hts", "jaysh-al-izza"),
    ("On 12 May 2019, clashes took place between members of Ahrar al-Sharqiya in the town of Afrin.", "Armed clash",
     "ahrar-al-sharqiya", "ahrar-al-sharqiya"),
    ("On 12 May 2019, detainees in an SDF prison in Hasakah rioted and broke down the doors.", "Mob violence",
     "rioters-syria", None),
])
def test_ground_taken_infighting_and_prison_riots(pipe, text, sub, actor1, actor2):
    e = one(pipe, text)
    assert e.sub_event_type == sub and e.actor1.actor_id == actor1
    assert (e.actor2.actor_id if e.actor2 else None) == actor2


def test_a_state_of_control_is_no_event(pipe):
    assert events(pipe, "Hayat Tahrir al-Sham controls most of the town of Kafranbel.") == []


def test_a_range_of_dead_is_coded_as_its_lower_bound(pipe):
    e = one(pipe, "On 12 May 2019, gunmen opened fire on an SDF vehicle near Hajin, killing between 2 to 4 SDF fighters.")
    assert e.fatalities == 2


@pytest.mark.parametrize("text", [
    "On 12 May 2019, Turkish forces and SNA factions, operating under OPS, shelled the village of Munbatah near Ras al-Ain.",
    "Looting: On 12 May 2019, opposition rebels under OPS looted crops of farmers near Ras al-Ain.",
])
def test_fighters_under_an_operation_are_coded_as_the_operation(pipe, text):
    e = one(pipe, text)
    assert e.actor1.actor_id == "operation-peace-spring"


@pytest.mark.parametrize("text,sub,actor1", [
    ("On 12 May 2019, a regime sniper shot and killed a shepherd near Kafranbel.", "Attack", "mf-syria"),
    ("On 12 May 2019, Hayat Tahrir al-Sham evicted a family from its house in Sarmada.", "Looting/property destruction", "hts"),
    ("Regime forces demolished houses of displaced residents in the town of Kafranbel on Sunday.",
     "Looting/property destruction", "mf-syria"),
])
def test_owners_of_snipers_and_property_taken(pipe, text, sub, actor1):
    e = one(pipe, text)
    assert e.sub_event_type == sub and e.actor1.actor_id == actor1


def test_clashes_with_shelling_are_one_armed_clash(pipe):
    evs = events(pipe, "On 12 May 2019, clashes took place between regime forces and rebels near Kafranbel amid shelling by regime forces.")
    assert [e.sub_event_type for e in evs] == ["Armed clash"]


@pytest.mark.parametrize("text,sub", [
    ("On 12 May 2019, Turkish forces set up a new observation point near Saraqib.", "Headquarters or base established"),
    ("On 12 May 2019, Turkish forces withdrew from their observation point near Saraqib.", "Change to group/activity"),
])
def test_posts_set_up_and_left(pipe, text, sub):
    e = one(pipe, text)
    assert e.sub_event_type == sub and e.actor1.actor_id == "mf-turkey"


@pytest.mark.parametrize("text,actor1,actor2", [
    ("Clashes took place in the west of Aleppo on the outskirts of the city between regime forces and Hayat Tahrir al-Sham.",
     "mf-syria", "hts"),
    ("Clashes took place between regime forces, allied militias and Russian forces against Islamic State fighters near Kafranbel.",
     "mf-syria", "islamic-state"),
])
def test_between_deep_in_the_clause_and_allies_against_one_side(pipe, text, actor1, actor2):
    e = one(pipe, text)
    assert (e.sub_event_type, e.actor1.actor_id, e.actor2.actor_id) == ("Armed clash", actor1, actor2)


def test_an_explosion_with_no_cause_or_victim(pipe):
    e = one(pipe, "On 12 May 2019, an explosion occurred in the town of Sarmada. No casualties were reported.")
    assert e.sub_event_type == "Remote explosive/landmine/IED" and e.actor1.actor_id == "unidentified-armed-group-syria"


@pytest.mark.parametrize("text", [
    # the war's origins, told in a relative clause with its running toll
    "Homs has seen some of the worst fighting of the war that began with peaceful protests and has since killed "
    "more than 250,000 people.",
    "The city lies in ruins after a conflict which began with demonstrations in 2011.",
    # running tolls counted from the start of a campaign, even when that start is a named day
    "Syrian warplanes have killed 900 civilians since they first intervened in Homs two years ago.",
    "At least 80 fighters have been killed in air raids since the offensive against Raqqa began on June 6, a monitor said.",
])
def test_the_wars_origins_and_toll_give_no_event(pipe, text):
    assert pipe.process_text(text, published=date(2016, 5, 3)).events == []


def test_a_peaceful_protest_takes_none_of_the_sentences_dead(pipe):
    r = pipe.process_text("Hundreds of people protested peacefully in Idlib city on Friday, a day after an air strike "
                          "killed five civilians.", published=date(2016, 9, 2))
    by_type = {e.sub_event_type: e.fatalities for e in r.events}
    assert by_type.get("Peaceful protest") == 0 and by_type.get("Air/drone strike") == 5


@pytest.mark.parametrize("text, place", [
    # a street, mosque or road named after a place does not put the event there
    ("Clashes took place between members of Ahrar al-Sharqiya in al-Villat street in Afrin on Monday, and one fighter "
     "was killed.", "Afrin"),
    ("HTS fighters arrested a young man near Al-Rawda mosque in Khan Shaykhun on Monday.", "Khan Shaykhun"),
    ("Regime forces shelled positions along the Aleppo-Lattakia highway near Ariha in Idlib on Monday.", "Ariha"),
    # one place before "road" still says where
    ("Regime forces shelled the Idlib road near Saraqib on Monday.", "Saraqib"),
])
def test_a_facility_named_after_a_place_is_not_the_place(pipe, text, place):
    events = pipe.process_text(text, published=date(2020, 5, 4)).events
    assert events and {e.location.name for e in events} == {place}
