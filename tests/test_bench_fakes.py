"""bench fakes-governorate: the counting and the normalisation of governorate names.

The articles are hand-written (not FA-KES), so every number is known in advance; the counting runs the
real pipeline.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from frontlines.bench_fakes import GovernorateNormaliser, article_governorate, run_fakes_governorate
from frontlines.models import EventRecord, PlaceRef
from frontlines.pack import load_pack


@pytest.fixture(scope="module")
def syria():
    return load_pack("syria")


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _ev(doc_id: str, admin1: str | None, hedged: bool = False) -> EventRecord:
    place = PlaceRef(surface=admin1 or "Syria", admin1=admin1, kind="city" if admin1 else "country")
    return EventRecord(doc_id=doc_id, event_type="Battles", sub_event_type="Armed clash", actor1=None,
                       location=place, hedged=hedged)


def test_normaliser_folds_spellings_to_one_unit(syria):
    norm = GovernorateNormaliser(syria)
    same = [
        ("idlib", "Idleb"), ("Idlib province", "Idleb"), ("lattakia", "Latakia"), ("deir ezzor", "Deir-ez-Zor"),
        ("Deir ez-Zor", "Deir-ez-Zor"), ("hasakeh", "Al-Hasakeh"), ("Hasakah", "Al-Hasakeh"), ("raqqa", "Ar-Raqqa"),
        ("hama", "Hamah"), ("tartous", "Tartus"), ("daraa", "Dar'a"), ("quneitra", "Quneitra"),
        ("As-Sweida", "Suwayda"), ("aleppo", "Aleppo province"),
        # FA-KES files Rural Damascus under "damascus" (the manifest's governorate_aliases)
        ("damascus", "Rural Damascus"), ("Damascus countryside", "damascus"),
    ]
    for a, b in same:
        assert norm(a) == norm(b), (a, b)
    assert norm("aleppo") != norm("idlib")
    assert norm("homs") != norm("hama")
    assert norm(None) is None and norm("  ") is None


def test_article_governorate_votes_non_hedged_events():
    evs = [_ev("d", "Idleb", hedged=True), _ev("d", "Idleb", hedged=True), _ev("d", "Aleppo"), _ev("d", None)]
    assert article_governorate(evs) == "Aleppo"  # claims do not vote; the country level has no admin1
    assert article_governorate([_ev("d", "Homs"), _ev("d", "Hama"), _ev("d", "Hama"), _ev("d", "Homs")]) == "Homs"  # tie: first
    assert article_governorate([_ev("d", "Hama", hedged=True)]) is None
    assert article_governorate([]) is None


def test_counts_and_agreement_on_hand_written_articles(tmp_path):
    from frontlines.pipeline import Pipeline

    corpus = _write(tmp_path / "hand.jsonl", [
        {"id": "h1", "date": "2016-06-02", "source": "test", "label_credible": 1, "location_governorate": "idlib",
         "text": "Russian warplanes carried out air strikes on the town of Saraqib in Idlib province on Tuesday, "
                 "killing six civilians, a monitor said."},
        {"id": "h2", "date": "2016-06-03", "source": "test", "label_credible": 1, "location_governorate": "damascus",
         "text": "Government forces clashed with Jaysh al-Islam fighters in Douma in the Damascus countryside on "
                 "Wednesday, a monitor said."},
        {"id": "h3", "date": "2016-06-04", "source": "test", "label_credible": 0, "location_governorate": "homs",
         "text": "Diplomats met in Geneva to discuss a ceasefire."},
        {"id": "h4", "date": "2016-06-05", "source": "test", "label_credible": 1, "location_governorate": "aleppo",
         "text": "Russian warplanes bombed the city of Raqqa on Thursday, killing nine civilians, a monitor said."},
        {"id": "h1", "date": "2016-06-06", "text": "A second record with an id already seen.", "location_governorate": "homs"},
    ])
    pipeline = Pipeline("syria")
    console = Console(record=True, width=120)
    report = run_fakes_governorate(corpus, pipeline, console=console)
    assert report["articles"] == 4 and report["skipped"] == 1  # the duplicate id is not an article
    docs = {d["id"]: d for d in report["documents"]}
    assert docs["h1"]["predicted"] == "Idleb" and docs["h1"]["agree"]
    assert docs["h2"]["admin1"] == "Rural Damascus" and docs["h2"]["agree"]  # Rural Damascus = damascus
    assert docs["h3"]["events"] == 0 and docs["h3"]["predicted"] is None
    assert docs["h4"]["predicted"] == "Ar-Raqqa" and not docs["h4"]["agree"]
    assert report["with_events"] == 3 and report["with_governorate"] == 3 and report["agree"] == 2
    assert report["agreement"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["confusion"] == [{"label": "Aleppo", "predicted": "Ar-Raqqa", "articles": 1}]
    out = console.export_text().strip().splitlines()
    assert out[-2] == "3 articles produced events (of 4)"
    assert out[-1] == "governorate agreement = 0.67"
    assert run_fakes_governorate(corpus, pipeline, limit=2)["articles"] == 2  # --limit counts articles
