"""bench fakes-governorate: the counting and the normalisation of governorate names.

The articles are hand-written (not FA-KES). The counting test drives `run_fakes_governorate` with a stub
pipeline whose events are fixed, so every number is known in advance; one test runs the real pipeline.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from frontlines.bench_fakes import GovernorateNormaliser, article_governorate, run_fakes_governorate
from frontlines.models import DocumentResult, EventRecord, PlaceRef
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


class StubPipeline:
    """What run_fakes_governorate needs of a Pipeline: .pack and .process(documents)."""

    def __init__(self, pack, events: dict[str, list[EventRecord]]):
        self.pack = pack
        self.events = events
        self.seen: list[str] = []

    def process(self, documents):
        for d in documents:
            self.seen.append(d.id)
            yield DocumentResult(document=d, cleaned=None, events=self.events.get(d.id, []))


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


def test_counts_and_agreement_with_a_stub_pipeline(tmp_path, syria):
    corpus = _write(tmp_path / "mini.jsonl", [
        {"id": "a1", "text": "Shelling hit Saraqib.", "date": "2016-05-01", "location_governorate": "idlib", "label_credible": 1},
        {"id": "a2", "text": "Clashes in Douma.", "date": "2016-05-02", "location_governorate": "damascus", "label_credible": 1},
        {"id": "a3", "text": "Air strikes on Raqqa.", "date": "2016-05-03", "location_governorate": "aleppo", "label_credible": 0},
        {"id": "a4", "text": "Talks in Geneva.", "date": "2016-05-04", "location_governorate": "hama", "label_credible": 1},
        {"id": "a1", "text": "A duplicate id.", "date": "2016-05-05", "location_governorate": "homs", "label_credible": 1},
    ])
    stub = StubPipeline(syria, {
        "a1": [_ev("a1", "Idleb"), _ev("a1", "Aleppo", hedged=True), _ev("a1", "Aleppo", hedged=True)],
        "a2": [_ev("a2", "Rural Damascus"), _ev("a2", "Damascus")],  # Rural Damascus counts as damascus
        "a3": [_ev("a3", "Ar-Raqqa")],  # disagrees with its label
        "a4": [_ev("a4", None)],  # country level only: events, but no governorate
    })
    console = Console(record=True, width=120)
    report = run_fakes_governorate(corpus, stub, console=console)
    assert stub.seen == ["a1", "a2", "a3", "a4"]  # the duplicate id is skipped
    assert report["articles"] == 4 and report["skipped"] == 1
    assert report["with_events"] == 4 and report["with_governorate"] == 3
    assert report["agree"] == 2 and report["agreement"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["confusion"] == [{"label": "Aleppo", "predicted": "Ar-Raqqa", "articles": 1}]
    per = report["per_governorate"]
    assert per["Idleb"]["agree"] == 1 and per["Damascus"]["agree"] == 1 and per["Aleppo"]["agree"] == 0
    assert per["Hama"]["with_events"] == 1 and per["Hama"]["predicted"] == 0
    out = console.export_text().strip().splitlines()
    assert "4 articles produced events (of 4)" in out[-2]
    assert out[-1] == "governorate agreement = 0.67"
    # --limit counts articles, not lines
    stub2 = StubPipeline(syria, stub.events)
    assert run_fakes_governorate(corpus, stub2, limit=2)["articles"] == 2 and stub2.seen == ["a1", "a2"]


def test_real_pipeline_on_hand_written_articles(tmp_path):
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
    ])
    report = run_fakes_governorate(corpus, Pipeline("syria"))
    assert report["articles"] == 3
    docs = {d["id"]: d for d in report["documents"]}
    assert docs["h1"]["predicted"] == "Idleb" and docs["h1"]["agree"]
    assert docs["h2"]["admin1"] == "Rural Damascus" and docs["h2"]["agree"]  # Rural Damascus = damascus
    assert docs["h3"]["events"] == 0 and docs["h3"]["predicted"] is None
    assert report["agreement"] == 1.0 and report["with_governorate"] == 2
