"""Relations stated in text: hand-written sentences (not from the seeds) through the real Pipeline."""
from __future__ import annotations

from datetime import date

import pytest

from frontlines import Pipeline
from frontlines.models import SYMMETRIC_RELATIONS

PUBLISHED = date(2019, 6, 20)


@pytest.fixture(scope="module")
def pipe():
    return Pipeline("syria")


def rels(pipe, text, published=PUBLISHED):
    return pipe.process_text(text, doc_id="t", published=published).relations


def _names(ref):
    return {n.lower() for n in [ref.label, ref.surface, *(ref.aliases or [])]}


def find(relations, rtype, source, target):
    """The relation (type, source, target) -- either direction for symmetric types -- or None."""
    s, t = source.lower(), target.lower()
    for r in relations:
        if r.type != rtype:
            continue
        if s in _names(r.source) and t in _names(r.target):
            return r
        if rtype in SYMMETRIC_RELATIONS and s in _names(r.target) and t in _names(r.source):
            return r
    return None


def show(relations):
    return [(r.type, r.source.label, r.target.label) for r in relations]


# ---------------------------------------------------------------------------------- defected_from
def test_defected_from_verb(pipe):
    out = rels(pipe, "Jaysh al-Izza defected from the Free Syrian Army after a dispute over salaries.")
    assert find(out, "defected_from", "Jaysh al-Izza", "Free Syrian Army"), show(out)


def test_defection_noun_with_anaphora(pipe):
    text = ("Hurras al-Din controls several villages west of Jisr al-Shughur. "
            "On Monday, Jaysh al-Izza announced its defection from the alliance.")
    out = rels(pipe, text)
    r = find(out, "defected_from", "Jaysh al-Izza", "Hurras al-Din")
    assert r, show(out)
    assert r.evidence.startswith("On Monday") and r.evidence_end > r.evidence_start


# ---------------------------------------------------------------------------------- member_of
def test_member_group_apposition(pipe):
    out = rels(pipe, "Fighters of Faylaq al-Sham, a member group of the National Front for Liberation, shelled the hill.")
    assert find(out, "member_of", "Faylaq al-Sham", "National Front for Liberation"), show(out)


def test_previously_affiliated_with(pipe):
    out = rels(pipe, "Jaysh al-Nasr was previously affiliated with the Free Syrian Army.")
    assert find(out, "member_of", "Jaysh al-Nasr", "Free Syrian Army"), show(out)


def test_plural_anaphora_part_of(pipe):
    text = ("Hayat Tahrir al-Sham detained fighters from Jaysh al-Izza and Faylaq al-Sham in Idlib. "
            "Both these groups are part of the National Front for Liberation.")
    out = rels(pipe, text)
    assert find(out, "member_of", "Jaysh al-Izza", "National Front for Liberation"), show(out)
    assert find(out, "member_of", "Faylaq al-Sham", "National Front for Liberation"), show(out)
    assert not find(out, "member_of", "Hayat Tahrir al-Sham", "National Front for Liberation"), show(out)


def test_list_joined_operations_room(pipe):
    text = ("Rebel factions announced the Al-Fath al-Mubin Operations Room in Hama last year. "
            "Several factions joined the operations room, including Jaysh al-Izza, Faylaq al-Sham and Ahrar al-Sham.")
    out = rels(pipe, text)
    for member in ("Jaysh al-Izza", "Faylaq al-Sham", "Ahrar al-Sham"):
        assert find(out, "member_of", member, "Al-Fath al-Mubin Operations Room"), (member, show(out))


# ---------------------------------------------------------------------------------- pledged_allegiance_to
def test_pledged_allegiance(pipe):
    out = rels(pipe, "Ansar al-Tawhid pledged allegiance to Hurras al-Din last year.")
    assert find(out, "pledged_allegiance_to", "Ansar al-Tawhid", "Hurras al-Din"), show(out)


def test_forced_to_swear_allegiance_to_it(pipe):
    out = rels(pipe, "Its fighters were forced by the Islamic State to swear allegiance to it, Jaysh al-Islam said.")
    # the object pronoun "it" is never the subject's group
    assert not find(out, "pledged_allegiance_to", "Islamic State", "Islamic State"), show(out)
    text = "Liwa al-Haq had long held the town. Its fighters were later forced by the Islamic State to swear allegiance to it."
    out = rels(pipe, text)
    assert find(out, "pledged_allegiance_to", "Liwa al-Haq", "Islamic State") or \
        any(r.type == "pledged_allegiance_to" and "islamic state" in _names(r.target) for r in out), show(out)


# ---------------------------------------------------------------------------------- backed_by
def test_demonym_backed(pipe):
    out = rels(pipe, "Turkish-backed Faylaq al-Sham fighters shelled the village of Kabani.")
    assert find(out, "backed_by", "Faylaq al-Sham", "Military Forces of Turkey"), show(out)


def test_backed_by_agent(pipe):
    out = rels(pipe, "The Syrian Democratic Forces, backed by the United States, advanced on Raqqa.")
    assert find(out, "backed_by", "Syrian Democratic Forces", "United States"), show(out)


def test_pack_phrase_states_a_backing(pipe):
    # "Turkish-backed rebels" is how the pack names the SNA, and it still says who backs them
    out = rels(pipe, "Turkish-backed rebels shelled positions near Manbij.")
    r = [x for x in out if x.type == "backed_by"]
    assert len(r) == 1 and "military forces of turkey" in _names(r[0].target), show(out)
    assert r[0].source.actor_id != r[0].target.actor_id


# ---------------------------------------------------------------------------------- front_for
def test_front_for_plain_and_hedged(pipe):
    out = rels(pipe, "The Salvation Government is a front for Hayat Tahrir al-Sham.")
    r = find(out, "front_for", "Salvation Government", "Hayat Tahrir al-Sham")
    assert r and not r.hedged, show(out)
    out = rels(pipe, "The Salvation Government is widely believed to be a front for Hayat Tahrir al-Sham.")
    r = find(out, "front_for", "Salvation Government", "Hayat Tahrir al-Sham")
    assert r and r.hedged, show(out)


# ---------------------------------------------------------------------------------- allied_with
def test_joined_forces_with(pipe):
    out = rels(pipe, "Ahrar al-Sham joined forces with Faylaq al-Sham to push back the offensive near Saraqib.")
    assert find(out, "allied_with", "Ahrar al-Sham", "Faylaq al-Sham"), show(out)


def test_truce_between_the_two(pipe):
    text = ("Jaysh al-Islam and Faylaq al-Rahman had fought each other in Eastern Ghouta for weeks. "
            "On Friday, mediators announced a truce between the two groups.")
    out = rels(pipe, text)
    r = find(out, "allied_with", "Faylaq al-Rahman", "Jaysh al-Islam")
    assert r, show(out)


# ---------------------------------------------------------------------------------- clashed_with
def test_clashes_between(pipe):
    out = rels(pipe, "Clashes between Hayat Tahrir al-Sham and Ahrar al-Sham broke out near Ariha on Tuesday.")
    assert find(out, "clashed_with", "Ahrar al-Sham", "Hayat Tahrir al-Sham"), show(out)


def test_locked_in_combat_with(pipe):
    out = rels(pipe, "Jaysh al-Izza has been locked in heavy combat with the Islamic State near Kafr Zita.")
    assert find(out, "clashed_with", "Jaysh al-Izza", "Islamic State"), show(out)


def test_battles_verb(pipe):
    out = rels(pipe, "The Syrian Democratic Forces battled the Islamic State in Deir ez-Zor for months.")
    assert find(out, "clashed_with", "Syrian Democratic Forces", "Islamic State"), show(out)


def test_symmetric_dedupe(pipe):
    text = ("Clashes between Hayat Tahrir al-Sham and Ahrar al-Sham broke out near Ariha. "
            "Ahrar al-Sham clashed with Hayat Tahrir al-Sham again the next day.")
    out = rels(pipe, text)
    assert len([r for r in out if r.type == "clashed_with"]) == 1, show(out)


# ---------------------------------------------------------------------------------- leader_of
def test_commander_apposition(pipe):
    out = rels(pipe, "Regime forces arrested Faylaq al-Sham commander, Abdul Karim Haddad, at a checkpoint.")
    r = find(out, "leader_of", "Abdul Karim Haddad", "Faylaq al-Sham")
    assert r and r.source.provisional and r.source.actor_id == "prov:abdul-karim-haddad" and r.source.inter is None, show(out)


def test_the_leader_of(pipe):
    out = rels(pipe, "Hassan Soufan, the leader of Ahrar al-Sham, met Turkish officials in Ankara.")
    assert find(out, "leader_of", "Hassan Soufan", "Ahrar al-Sham"), show(out)


def test_led_by(pipe):
    out = rels(pipe, "Jaysh al-Izza is led by Jamil al-Saleh, a former army officer.")
    assert find(out, "leader_of", "Jamil al-Saleh", "Jaysh al-Izza"), show(out)


# ---------------------------------------------------------------------------------- split_from
def test_split_from_verb(pipe):
    out = rels(pipe, "Ansar al-Tawhid split from Jund al-Aqsa in early 2018.")
    assert find(out, "split_from", "Ansar al-Tawhid", "Jund al-Aqsa"), show(out)


def test_established_by_former_members(pipe):
    out = rels(pipe, "Jaysh al-Izza was founded in 2013 by former Free Syrian Army officers from northern Hama.")
    assert find(out, "split_from", "Jaysh al-Izza", "Free Syrian Army"), show(out)


# ---------------------------------------------------------------------------------- dates, negatives
def test_relation_date_from_sentence(pipe):
    out = rels(pipe, "On March 3, Faylaq al-Sham defected from the Free Syrian Army.")
    r = find(out, "defected_from", "Faylaq al-Sham", "Free Syrian Army")
    assert r and r.date == date(2019, 3, 3), show(out)
    assert r.date_precision == 1
    # no date in the sentence: the publication date, with the publication's precision
    out = rels(pipe, "Faylaq al-Sham defected from the Free Syrian Army.")
    r = find(out, "defected_from", "Faylaq al-Sham", "Free Syrian Army")
    assert r and r.date == PUBLISHED and r.date_precision == 1
    # no publication date either: the one inferred from the names (a lower bound) says only the month at best
    out = rels(pipe, "Faylaq al-Sham defected from the Free Syrian Army.", published=None)
    r = find(out, "defected_from", "Faylaq al-Sham", "Free Syrian Army")
    assert r and r.date is not None and r.date_precision == 3


@pytest.mark.parametrize("text", [
    "Jaysh al-Izza did not join the National Front for Liberation.",
    "Faylaq al-Sham plans to join the National Front for Liberation.",
    "Hurras al-Din may join forces with Ansar al-Tawhid next month.",
    "Ahrar al-Sham never pledged allegiance to Hayat Tahrir al-Sham.",
    "Ahrar al-Sham denied any alliance with Hayat Tahrir al-Sham.",
    "Hayat Tahrir al-Sham asked Jaysh al-Izza to join forces with Ahrar al-Sham.",
    "Jaysh al-Islam refused to pledge allegiance to the Islamic State.",
])
def test_negated_or_irrealis_gives_nothing(pipe, text):
    out = rels(pipe, text)
    assert out == [], show(out)


def test_no_relation_with_itself_or_a_generic_actor(pipe):
    out = rels(pipe, "Gunmen joined forces with Hayat Tahrir al-Sham fighters, and Hayat Tahrir al-Sham clashed with HTS.")
    assert out == [], show(out)


def test_leader_of_via_possessive_anaphor(pipe):
    out = rels(pipe, "Tuesday's attack struck the headquarters of Ahrar al-Sham near Idlib, killing the group's leader Hassan Abboud.")
    assert find(out, "leader_of", "Hassan Abboud", "Ahrar al-Sham"), show(out)


def test_collapsed_truce_is_no_alliance(pipe):
    out = rels(pipe, "An uneasy truce between Jaysh al-Islam and Faylaq al-Rahman collapsed on Monday.")
    assert not any(r.type == "allied_with" for r in out), show(out)


# ---------------------------------------------------------------------------------- the pack's structural patterns
# One sentence per construction (relation_patterns.yaml), written for these tests.
@pytest.mark.parametrize("text, rtype, source, target", [
    # titles and appositions
    ("Abu Omar al-Shami, a commander of Ahrar al-Sham, was killed near Saraqib.", "leader_of", "Abu Omar al-Shami", "Ahrar al-Sham"),
    ("Ahmad Qara Ali, a spokesman for Ahrar al-Sham, said the attack failed.", "member_of", "Ahmad Qara Ali", "Ahrar al-Sham"),
    ("Ahrar al-Sham spokesman Ahmad Qara Ali said the attack failed.", "member_of", "Ahmad Qara Ali", "Ahrar al-Sham"),
    ("Hayat Tahrir al-Sham's leader Abu Mohammad al-Julani spoke on Monday.", "leader_of", "Abu Mohammad al-Julani", "Hayat Tahrir al-Sham"),
    # compound modifiers
    ("Clashes erupted between ISIS fighters and members of the US-backed Syrian Democratic Forces.", "backed_by",
     "Syrian Democratic Forces", "Military Forces of the United States"),
    ("Formerly al-Qaeda-affiliated Jabhat Fateh al-Sham attacked the town.", "split_from", "Jabhat Fateh al-Sham", "al-Qaeda"),
    # membership and coalitions
    ("The Army of Conquest, an alliance of Ahrar al-Sham, Jabhat al-Nusra and Faylaq al-Sham, took Idlib.", "member_of",
     "Ahrar al-Sham", "Army of Conquest"),
    ("The National Front for Liberation, which includes Faylaq al-Sham, shelled the village.", "member_of",
     "Faylaq al-Sham", "National Front for Liberation"),
    # support
    ("Russia launched air strikes in support of the Syrian army.", "backed_by", "Military Forces of Syria", "Military Forces of Russia"),
    ("The Syrian army advanced with air cover from Russian warplanes.", "backed_by", "Military Forces of Syria", "Military Forces of Russia"),
    ("Russian warplanes provided air cover to the Syrian army.", "backed_by", "Military Forces of Syria", "Military Forces of Russia"),
    ("Government fighters backed by Russian air power advanced.", "backed_by", "Military Forces of Syria", "Military Forces of Russia"),
    ("The Free Syrian Army is armed by Turkey.", "backed_by", "Free Syrian Army", "Military Forces of Turkey"),
    # alliances
    ("Syrian troops and Hezbollah fighters repelled the attack on villages in Hama province.", "allied_with",
     "Military Forces of Syria", "Hezbollah"),
    ("Hezbollah, an ally of the Syrian army, sent fighters to Qusayr.", "allied_with", "Hezbollah", "Military Forces of Syria"),
    # takeovers
    ("Syrian government forces captured the town from Hayat Tahrir al-Sham.", "clashed_with", "Military Forces of Syria", "Hayat Tahrir al-Sham"),
    ("Hezbollah fighters recaptured the village from the Islamic State.", "clashed_with", "Hezbollah", "Islamic State"),
    ("Hayat Tahrir al-Sham drove the Islamic State out of the town of Dabiq.", "clashed_with", "Hayat Tahrir al-Sham", "Islamic State"),
    ("The United States and its allies have launched nearly 2000 air raids against ISIS.", "clashed_with",
     "Military Forces of the United States", "Islamic State"),
])
def test_structural_pattern(pipe, text, rtype, source, target):
    out = rels(pipe, text)
    assert any(r.type == rtype and _matches(r.source, source) and _matches(r.target, target) or
               (rtype in SYMMETRIC_RELATIONS and r.type == rtype and _matches(r.source, target) and _matches(r.target, source))
               for r in out), show(out)


def _matches(ref, name):
    """A name, or the start of the ACLED-style label ("Military Forces of Russia (2000-)")."""
    n = name.lower()
    return n in _names(ref) or any(x.startswith(n) for x in _names(ref))


@pytest.mark.parametrize("text", [
    # sides joined by "or" are one of them, not two allies
    "The strike was carried out by the Syrian army or Russian warplanes.",
    # victims named together did not act together
    "Several Syrian army and Hezbollah fighters were killed.",
    # a mutual deed: they fought each other
    "The Syrian army and Jaysh al-Islam clashed near Douma.",
])
def test_no_alliance_from_coordination(pipe, text):
    out = rels(pipe, text)
    assert not any(r.type == "allied_with" for r in out), show(out)


def test_title_needs_a_named_group(pipe):
    # a nationality is not a group; a pronoun does not name one
    out = rels(pipe, "Idlib-based Syrian activist Ahmad Ibrahim spoke to reporters. Its head Rami Abdel Rahman said the toll could rise.")
    assert not any(r.type in ("member_of", "leader_of") for r in out), show(out)


# ---------------------------------------------------------------------------------- closing a relation's validity
@pytest.mark.parametrize("text", [
    "Jaysh al-Nasr was previously affiliated with the Free Syrian Army.",
    "Jaysh al-Izza is no longer part of the National Front for Liberation.",
    "Jaysh al-Izza, formerly a member of the National Front for Liberation, shelled the village.",
])
def test_closing_markers_close_validity(pipe, text):
    out = rels(pipe, text)
    r = [x for x in out if x.type == "member_of"]
    assert len(r) == 1 and r[0].valid_until == PUBLISHED, show(out)


def test_open_relation_has_no_end(pipe):
    out = rels(pipe, "Earlier this year Jaysh al-Izza joined the National Front for Liberation.")
    r = find(out, "member_of", "Jaysh al-Izza", "National Front for Liberation")
    assert r and r.valid_until is None, show(out)


@pytest.mark.parametrize("text", [
    "Idlib province is controlled by a rebel alliance that includes former al-Qaeda affiliate Jabhat Fateh al-Sham.",
    "Jabhat Fateh al-Sham, a former al-Qaeda affiliate, vowed revenge.",
])
def test_former_affiliate_is_a_split(pipe, text):
    out = rels(pipe, text)
    assert any(r.type == "split_from" and "al qaeda" in {n.lower() for n in _names(r.target)} | {r.target.label.lower()}
               for r in out), show(out)
    assert not any(r.type == "member_of" for r in out), show(out)


# ---------------------------------------------------------------------------------- clashes the events describe
def test_battle_events_give_clashed_with(pipe):
    text = ("On Monday, Hayat Tahrir al-Sham fighters attacked positions of the Syrian army near Kafr Nabudah. "
            "On Wednesday, Hayat Tahrir al-Sham fighters clashed with the Syrian army near Hamamiyat.")
    res = pipe.process_text(text, doc_id="t", published=PUBLISHED)
    battles = [e for e in res.events if e.event_type == "Battles"]
    derived = [r for r in res.relations if r.type == "clashed_with"]
    assert len(derived) == 1, show(res.relations)
    r = derived[0]
    assert {r.source.actor_id, r.target.actor_id} == {"hts", "mf-syria"}
    # one relation for the pair, counting the battles, dated by the first and the last
    assert r.count == len(battles) >= 1
    assert r.date == min(e.event_date for e in battles) and r.last_date == max(e.event_date for e in battles)


def test_no_derived_relation_with_an_unnamed_actor(pipe):
    res = pipe.process_text("Gunmen attacked a Syrian army checkpoint near Saraqib on Monday, killing two soldiers.",
                            doc_id="t", published=PUBLISHED)
    assert not [r for r in res.relations if r.type == "clashed_with"], show(res.relations)


@pytest.mark.parametrize("text, rtype, source, target", [
    # one armed actor's deed on another
    ("The US-led anti-Daesh coalition has killed more than twenty Islamic State operatives.", "clashed_with",
     "US-led coalition", "Islamic State"),
    # "from Y" read as part of the object, an unlemmatised form, and "the X group" naming X
    ("Syrian government forces retook the central town from the Islamic State group.", "clashed_with",
     "Military Forces of Syria", "Islamic State"),
    # a noun cue whose holder is the subject of the verb above its object
    ("Jaish al-Fatah has lost over one hundred militants in the battle against the Syrian Army troops.", "clashed_with",
     "Army of Conquest", "Military Forces of Syria"),
    # a title whose comma the corpus lost
    ("The raid killed Zahran Alloush leader of the Army of Islam in Eastern Ghouta.", "leader_of", "Zahran Alloush", "Jaysh al-Islam"),
    # one token "U.S.-backed"
    ("Clashes erupted between ISIS and the U.S.-backed Syrian Democratic Forces.", "backed_by", "Syrian Democratic Forces",
     "Military Forces of the United States"),
    # a generic armed side where the text names no group
    ("Army units in cooperation with the popular defense groups destroyed the positions.", "allied_with",
     "Military Forces of Syria", "Militia (Pro-Government)"),
    ("The fighting in Azaz was between Islamic State militants and a joint force of Ahrar al-Sham and Western-backed rebels.",
     "allied_with", "Ahrar al-Sham", "Opposition Rebels (Syria)"),
    ("The US military said that opposition fighters that are backed by the United States took control of a base.",
     "backed_by", "Opposition Rebels (Syria)", "Military Forces of the United States"),
    ("Backed by Russian airstrikes, the Syrian army is pressing a battle against IS.", "backed_by",
     "Military Forces of Syria", "Military Forces of Russia"),
])
def test_structural_pattern_more(pipe, text, rtype, source, target):
    test_structural_pattern(pipe, text, rtype, source, target)


def test_no_clash_inside_a_coalition(pipe):
    # the parse reads the coalition as fighting its own member; the sentence says the member is in it
    text = "The Army of Conquest, which includes Ahrar al-Sham, attacked Ahrar al-Sham fighters near Fuaa on Wednesday."
    res = pipe.process_text(text, doc_id="t", published=PUBLISHED)
    assert any(r.type == "member_of" for r in res.relations), show(res.relations)
    assert not any(r.type == "clashed_with" for r in res.relations), show(res.relations)


# ---------------------------------------------------------------------------------- annotation conventions
def test_hypothetical_deed_is_no_clash(pipe):
    res = rels(pipe, "Jaysh al-Izza is working with Ahrar al-Sham to repel any attack from the Syrian army.")
    assert find(res, "clashed_with", "Jaysh al-Izza", "Military Forces of Syria (2000-)") is None, show(res)
    # the same deed done is one
    res = rels(pipe, "Jaysh al-Izza repelled an attack by the Syrian army near Latamneh.")
    assert find(res, "clashed_with", "Jaysh al-Izza", "Military Forces of Syria (2000-)") is not None, show(res)


def test_rejected_tie_is_none(pipe):
    res = rels(pipe, "Several commanders rejected the group's merger with Ahrar al-Sham, Jaysh al-Izza said.")
    assert not [r for r in res if r.type in ("member_of", "allied_with", "split_from")], show(res)


def test_a_group_s_units_are_not_the_group(pipe):
    res = rels(pipe, "Some Turkish-backed Jaysh al-Izza units joined the offensive on Tuesday.")
    assert find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is None, show(res)
    res = rels(pipe, "Turkish-backed Jaysh al-Izza joined the offensive on Tuesday.")
    assert find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is not None, show(res)


def test_affiliates_fight_in_their_own_name(pipe):
    res = rels(pipe, "The raids came in response to recent attacks by HTS-affiliated cells on positions of Jaysh al-Izza.")
    assert find(res, "clashed_with", "Hayat Tahrir al-Sham", "Jaysh al-Izza") is None, show(res)


def test_a_backer_and_its_proxy_are_a_backing_not_an_alliance(pipe):
    res = rels(pipe, "The Turkish army and Turkish-backed Jaysh al-Izza shelled positions of the Syrian army near Tell Rifat.")
    assert find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is not None, show(res)
    assert find(res, "allied_with", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is None, show(res)


def test_described_side_yields_to_the_named_one(pipe):
    text = ("Turkish-backed militants shelled the village on Monday. "
            "Turkish-backed Jaysh al-Izza later entered the village.")
    res = rels(pipe, text)
    backed = [r for r in res if r.type == "backed_by"]
    assert [r.source.label for r in backed] == [find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)").source.label], show(res)
    # with no named group, the described side is the relation
    res = rels(pipe, "Turkish-backed militants shelled the village on Monday.")
    assert [r for r in res if r.type == "backed_by"], show(res)


@pytest.mark.parametrize("text", [
    "The airport is still held by the Syrian army and allied militias, residents say.",
    "Government soldiers and allied fighters pushed into the district at dawn.",
    "Militiamen allied to the Syrian government stepped up their shelling of the village.",
])
def test_a_state_s_unnamed_auxiliaries_are_its_allies(pipe, text):
    res = rels(pipe, text)
    assert find(res, "allied_with", "Militia (Pro-Government)", "Military Forces of Syria (2000-)") is not None, show(res)


def test_unnamed_allies_of_a_non_state_side_are_nobody(pipe):
    res = rels(pipe, "Rebels and allied fighters took the hill overlooking the road.")
    assert not [r for r in res if r.type == "allied_with"], show(res)


@pytest.mark.parametrize("text,source,target", [
    ("The Turkish-led anti-Daesh coalition shelled villages east of al-Bab.", "Global Coalition Against Daesh", "Islamic State (Syria)"),
    ("Anti-regime rebels took two checkpoints on the highway.", "Opposition Rebels (Syria)", "Military Forces of Syria (2000-)"),
    ("Kurdish fighters fought heavy battles overnight with advancing Islamic State militants.", "YPG: Peoples Protection Units", "Islamic State (Syria)"),
])
def test_named_opponents_and_participle_enemies(pipe, text, source, target):
    res = rels(pipe, text)
    assert find(res, "clashed_with", source, target) is not None, show(res)


def test_anti_needs_an_armed_owner(pipe):
    res = rels(pipe, "Anti-regime protesters gathered in the square on Friday.")
    assert not [r for r in res if r.type == "clashed_with"], show(res)


def test_a_head_of_state_leads_no_armed_group(pipe):
    res = rels(pipe, "The district returned to the control of regime leader Bashar al-Assad last year.")
    assert not [r for r in res if r.type == "leader_of"], show(res)
    # a namesake who commands a unit is a leader
    res = rels(pipe, "Maher al-Assad, the commander of the 4th Division, toured the front line.")
    assert [r.source.label for r in res if r.type == "leader_of"] == ["Maher al-Assad"], show(res)


@pytest.mark.parametrize("text,rtype,source,target", [
    ("Hezbollah, a close ally of President Bashar al-Assad, sent hundreds of fighters.", "allied_with",
     "Hezbollah", "Military Forces of Syria (2000-)"),
    ("Jaysh al-Izza fighters killed nine soldiers loyal to President Bashar al-Assad.", "clashed_with",
     "Jaysh al-Izza", "Military Forces of Syria (2000-)"),
])
def test_a_head_of_state_as_a_side_is_his_forces(pipe, text, rtype, source, target):
    res = rels(pipe, text)
    assert find(res, rtype, source, target) is not None, show(res)


def test_no_tie_between_a_government_and_its_forces(pipe):
    res = rels(pipe, "Rebels killed five soldiers loyal to the Syrian government near Hama.")
    assert not [r for r in res if {r.source.label, r.target.label} == {"Military Forces of Syria (2000-)",
                                                                       "Government of Syria (2000-2024)"}], show(res)


def test_a_rank_abbreviation_does_not_end_the_sentence(pipe):
    res = rels(pipe, "Russian Defence Ministry spokesman Maj. Gen. Oleg Petrov told reporters the convoy was hit.")
    assert find(res, "member_of", "Oleg Petrov", "Military Forces of Russia (2000-)") is not None, show(res)


def test_a_foreign_capital_stands_for_its_state(pipe):
    res = rels(pipe, "Jaysh al-Izza, which is backed by Ankara, shelled the village.")
    assert find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is not None, show(res)
    # two capitals dealing with each other are diplomacy, not an alliance
    res = rels(pipe, "The truce followed a secret agreement between Ankara and Moscow in March.")
    assert not [r for r in res if r.type == "allied_with"], show(res)


def test_a_head_of_state_behind_titles_and_transliterations(pipe):
    res = rels(pipe, "Backed by Russian airstrikes the forces of Syrias President Bashar Assad pressed towards the town.")
    assert find(res, "backed_by", "Military Forces of Syria (2000-)", "Military Forces of Russia (2000-)") is not None, show(res)


def test_an_unknown_branch_of_a_state_s_forces_is_the_state(pipe):
    res = rels(pipe, "Jaysh al-Izza pushed into the village with the support of the Turkish Land Forces.")
    assert find(res, "backed_by", "Jaysh al-Izza", "Military Forces of Turkey (2016-)") is not None, show(res)


@pytest.mark.parametrize("text,target", [
    ("Syrian government forces and their Russian allies shelled the town.", "Military Forces of Russia (2000-)"),
    ("The Syrian army and its allies from Hezbollah retook the hill.", "Hezbollah"),
])
def test_x_and_its_allies(pipe, text, target):
    res = rels(pipe, text)
    assert find(res, "allied_with", "Military Forces of Syria (2000-)", target) is not None, show(res)


def test_it_never_refers_to_a_head_of_state(pipe):
    res = rels(pipe, "Bashar al-Assad visited Homs while Hezbollah said it is fighting alongside regime forces.")
    assert find(res, "allied_with", "Hezbollah", "Military Forces of Syria (2000-)") is not None, show(res)


@pytest.mark.parametrize("text,member,whole", [
    ("The Army of Conquest, consisting of Ahrar al-Sham and Jaysh al-Sunna, took the base.", "Ahrar al-Sham", "Jaish al-Fatah"),
    ("The Syrian Democratic Forces, which is dominated by the YPG, crossed the river.", "YPG", "Syrian Democratic Forces"),
    ("The PYD and its armed wing Peoples Protection Units (YPG) took the town.", "YPG", "PYD"),
])
def test_composition_and_wings(pipe, text, member, whole):
    res = rels(pipe, text)
    assert find(res, "member_of", member, whole) is not None, show(res)


def test_an_unknown_name_with_a_known_abbreviation_in_brackets(pipe):
    res = rels(pipe, "The PYD and its armed wing Peoples Guard Forces (YPG) seized the village.")
    assert find(res, "member_of", "YPG", "PYD") is not None, show(res)


# ---------------------------------------------------------------------------------- text that lost its apostrophes
@pytest.mark.parametrize("text,rtype,source,target", [
    ("Hezbollahs commander Abu Ali Tabtabai was killed near Qusayr.", "leader_of", "Abu Ali Tabtabai", "Hezbollah"),
    ("The Islam Armys commander Abu Hamza Rifai said the group would hold Douma.", "leader_of", "Abu Hamza Rifai",
     "Jaysh al-Islam"),
    ("Al Qaedas Syrian branch Hurras al-Din attacked a checkpoint.", "member_of", "Hurras al-Din", "al-Qaeda"),
])
def test_a_possessive_without_its_apostrophe(pipe, text, rtype, source, target):
    out = rels(pipe, text)
    assert find(out, rtype, source, target), show(out)


def test_a_bare_s_is_split_only_after_a_known_name(pipe):
    from frontlines.annotate import get_nlp

    nlp = get_nlp(pipe.pack)
    doc = nlp("Syrias army and Syrian Democratic Forces units met Horas al-Din fighters and Brigades.")
    words = [t.text for t in doc]
    assert words[:3] == ["Syria", "s", "army"]          # the possessive of a pack name
    assert "Forces" in words and "Horas" in words       # a plural that ends a name; a word that begins one
    assert "Brigades" in words                          # a common noun whose plural is noun + s
    assert doc.text.startswith("Syrias army")           # the text itself is unchanged


def test_a_unit_a_state_owns_is_that_states_forces(pipe):
    out = rels(pipe, "The Syrian army, supported by Russia's Aerospace Forces, advanced on Palmyra.")
    assert find(out, "backed_by", "Syrian army", "Russia"), show(out)


def test_head_of_complement_names_are_also_written_inverted(pipe):
    assert pipe.pack.resolve_actor("Islam Army").id == pipe.pack.resolve_actor("Army of Islam").id


# ---------------------------------------------------------------------------------- coordinated sides
@pytest.mark.parametrize("text,rtype,source,target", [
    ("Jaysh al-Izza fought fierce battles against the Syrian army troops and Hezbollah near Hama.", "clashed_with",
     "Jaysh al-Izza", "Hezbollah"),
    ("Jaysh al-Izza fought fierce battles against the Syrian army troops and Hezbollah near Hama.", "clashed_with",
     "Jaysh al-Izza", "Military Forces of Syria"),
    ("The Syrian army foiled an assault launched by Ahrar al-Sham fighters and the Nusra Front.", "clashed_with",
     "Military Forces of Syria", "Jabhat al-Nusra"),
])
def test_every_conjunct_of_a_side_takes_part(pipe, text, rtype, source, target):
    out = rels(pipe, text)
    assert find(out, rtype, source, target), show(out)


def test_the_other_side_of_a_pair_is_not_a_conjunct_of_itself(pipe):
    out = rels(pipe, "The Syrian army and Hezbollah captured the town.")
    assert find(out, "allied_with", "Military Forces of Syria", "Hezbollah"), show(out)


# ---------------------------------------------------------------------------------- wordings of a clash
@pytest.mark.parametrize("text,source,target", [
    ("Kurdish YPG fighters thwarted an attack launched by Hurras al-Din in the countryside.", "YPG", "Hurras al-Din"),
    ("The Syrian army repelled an offensive by Jaysh al-Izza near Latamneh.", "Military Forces of Syria", "Jaysh al-Izza"),
    ("Hezbollah fighters repulsed the Ahrar al-Sham assault on the hill.", "Hezbollah", "Ahrar al-Sham"),
    ("The Syrian army stepped up operations against Jaysh al-Izza mercenaries in Hama.", "Military Forces of Syria",
     "Jaysh al-Izza"),
])
def test_attack_and_repulsion_wordings_are_clashes(pipe, text, source, target):
    out = rels(pipe, text)
    assert find(out, "clashed_with", source, target), show(out)


def test_repelling_an_attack_on_a_place_names_no_enemy(pipe):
    out = rels(pipe, "The Syrian army repelled an attack on Aleppo's western districts.")
    assert not [r for r in out if r.type == "clashed_with"], show(out)


# ---------------------------------------------------------------------------------- sides named only by their backer
@pytest.mark.parametrize("text,source,target", [
    ("Iranian-backed militias shelled the town of Busra.", "Pro-Government Militia", "Military Forces of Iran"),
    ("The town of Busra was shelled by militias backed by Iran.", "Pro-Government Militia", "Military Forces of Iran"),
    ("Qatari-backed militants overran the checkpoint.", "Opposition Rebels (Syria)", "Military Forces of Qatar"),
    ("Two villages fell to gunmen backed by Turkey.", "Opposition Rebels (Syria)", "Military Forces of Turkey"),
])
def test_unnamed_fighters_are_the_generic_side_of_their_backers_camp(pipe, text, source, target):
    out = rels(pipe, text)
    assert find(out, "backed_by", source, target), show(out)


def test_unnamed_backed_fighters_are_the_backers_protege_named_in_the_text(pipe):
    text = ("The Syrian Democratic Forces advanced on Tabqa. "
            "A car bomb hit a checkpoint run by US-supported fighters near the dam.")
    out = rels(pipe, text, published=date(2017, 3, 1))
    assert not [r for r in out if r.source.label == "Opposition Rebels (Syria)"], show(out)


def test_a_named_group_is_not_replaced_by_a_generic_side(pipe):
    out = rels(pipe, "The town was shelled by militias of Hezbollah backed by Iran.")
    assert find(out, "backed_by", "Hezbollah", "Military Forces of Iran"), show(out)
    assert not [r for r in out if "Pro-Government" in r.source.label], show(out)


# ---------------------------------------------------------------------------------- known wrong readings
def test_a_modifier_belongs_to_its_own_noun_not_the_next_list_item(pipe):
    out = rels(pipe, "Troops killed fighters of the al-Qaeda-affiliated Hurras al-Din and the Free Syrian Army.")
    assert find(out, "member_of", "Hurras al-Din", "al-Qaeda"), show(out)
    assert not find(out, "member_of", "Free Syrian Army", "al-Qaeda"), show(out)


def test_a_generic_phrase_is_not_a_name_that_holds_it_whole(pipe):
    assert pipe.pack.resolve_actor("armed forces") is None
    assert pipe.pack.resolve_actor("Hezbolla").id == pipe.pack.resolve_actor("Hezbollah").id  # a typo still matches


def test_backing_by_equipment_names_no_backer(pipe):
    out = rels(pipe, "Fighting broke out between Turkish troops backed by tanks and Kurdish YPG fighters near Manbij.")
    assert not [r for r in out if r.type == "backed_by"], show(out)
    out = rels(pipe, "The Syrian army, backed by Russian warplanes, advanced on Palmyra.")
    assert find(out, "backed_by", "Military Forces of Syria", "Military Forces of Russia"), show(out)


# ---------------------------------------------------------------------------------- appositions without commas
def test_a_name_right_after_an_affiliate_noun_is_its_apposition(pipe):
    text = "Sunni groups including al Qaedas Syrian offshoot the Nusra Front hold many villages in the hills."
    out = rels(pipe, text, published=date(2015, 7, 20))
    assert find(out, "member_of", "Jabhat al-Nusra", "al-Qaeda"), show(out)


def test_an_offshoot_that_had_broken_with_its_parent_is_a_split(pipe):
    out = rels(pipe, "The town fell to a powerful al Qaeda offshoot Islamic State.", published=date(2015, 5, 1))
    assert find(out, "split_from", "Islamic State", "al-Qaeda"), show(out)
    assert not find(out, "member_of", "Islamic State", "al-Qaeda"), show(out)


@pytest.mark.parametrize("text,source,target", [
    ("Russian air strikes against Hurras al-Din fighters continued overnight.", "Military Forces of Russia", "Hurras al-Din"),
    ("Hezbollah reported an assault by Jaysh al-Izza against its positions near Qusayr.", "Jaysh al-Izza", "Hezbollah"),
    ("The YPG said Turkish attacks on its fighters killed four.", "Military Forces of Turkey", "YPG"),
])
def test_battle_nouns_with_their_owner_and_object(pipe, text, source, target):
    out = rels(pipe, text)
    assert find(out, "clashed_with", source, target), show(out)


def test_an_attack_on_a_place_is_no_clash(pipe):
    out = rels(pipe, "An attack by Jaysh al-Izza on Latamneh killed ten civilians.")
    assert not [r for r in out if r.type == "clashed_with"], show(out)


@pytest.mark.parametrize("text", [
    "The largest faction in the Syrian Democratic Forces is the YPG.",
    "The YPG is the strongest group within the Syrian Democratic Forces.",
])
def test_a_group_inside_a_whole_said_with_a_copula(pipe, text):
    out = rels(pipe, text)
    assert find(out, "member_of", "YPG", "Syrian Democratic Forces"), show(out)


def test_the_strongest_group_in_a_place_is_no_membership(pipe):
    out = rels(pipe, "Jaysh al-Izza is the strongest group in Hama.")
    assert not [r for r in out if r.type == "member_of"], show(out)


@pytest.mark.parametrize("text,source,target", [
    ("Hurras al-Din fighters breached Syrian army lines east of Palmyra.", "Hurras al-Din", "Military Forces of Syria"),
    ("Turkish jets struck YPG positions near Afrin.", "Military Forces of Turkey", "YPG"),
    ("The Syrian army shelled gatherings of Jaysh al-Izza fighters in Latamneh.", "Military Forces of Syria", "Jaysh al-Izza"),
])
def test_a_groups_positions_stand_for_the_group_as_a_target(pipe, text, source, target):
    out = rels(pipe, text)
    assert find(out, "clashed_with", source, target), show(out)


def test_unnamed_fighters_alongside_a_states_forces_are_its_auxiliaries(pipe):
    out = rels(pipe, "The Syrian army advanced on the town. Militiamen fighting alongside it took the hill.")
    assert find(out, "allied_with", "Pro-Government Militia", "Military Forces of Syria"), show(out)


@pytest.mark.parametrize("text", [
    "Syrian army units in cooperation with the supporting forces took the hill near Palmyra.",
    "The Syrian army and the auxiliary forces took the hill near Palmyra.",
])
def test_a_states_supporting_forces_are_its_auxiliaries(pipe, text):
    out = rels(pipe, text)
    assert find(out, "allied_with", "Pro-Government Militia", "Military Forces of Syria"), show(out)


def test_a_rebel_groups_supporting_forces_are_no_state_auxiliaries(pipe):
    out = rels(pipe, "Jaysh al-Izza in cooperation with the supporting forces took the hill.")
    assert not [r for r in out if "Pro-Government" in r.source.label or "Pro-Government" in r.target.label], show(out)
