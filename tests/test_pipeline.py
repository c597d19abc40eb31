"""Pipeline: publication dates (dateline vs metadata, inference), outlets, seeds' years."""
import json
from datetime import date

import pytest

from frontlines.ingest import iter_documents
from frontlines.models import Document
from frontlines.pipeline import Pipeline
from shared_paths import SEED_GOLD, SEEDS


@pytest.fixture(scope="module")
def pipe():
    return Pipeline("syria")


def test_dateline_beats_metadata_and_the_conflict_is_recorded(pipe, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({
        "id": "x1", "source": "reuters", "date": "2018-01-09",
        "text": "Tuesday 12 July 2016 Government forces shelled the town of Saraqib killing four civilians.",
    }) + "\n")
    doc = next(d for d in iter_documents([corpus]) if isinstance(d, Document))
    result = next(pipe.process([doc]))
    d = result.document
    assert d.published == date(2016, 7, 12) and d.published_source == "dateline"
    assert "2018-01-09" in d.published_note and "dateline wins" in d.published_note
    assert d.outlet == pipe.pack.resolve_outlet("reuters").name
    assert result.events and result.events[0].event_date == date(2016, 7, 12)


def test_metadata_kept_when_the_text_agrees(pipe):
    d = Document(id="y", text="Wed 05 Apr 2017 Rebels clashed with the army near Hama.", source_path="-",
                 published=date(2017, 4, 5), published_source="metadata", published_confidence=1.0)
    r = next(pipe.process([d]))
    assert r.document.published_source == "metadata" and r.document.published_note is None


def test_seed_years_inferred_without_metadata(pipe):
    gold = {d["doc"]: date.fromisoformat(d["published"]) for d in json.loads(SEED_GOLD.read_text())["documents"]}
    docs = [d for d in iter_documents([SEEDS]) if isinstance(d, Document)]
    years = {r.document.id: r.document for r in pipe.process(docs)}
    right = [i for i, d in years.items() if d.published and d.published.year == gold[i].year]
    assert all(years[i].published_source == "inferred" for i in years)
    assert len(right) >= 4
    assert {"000_374bc49b221b3923", "002_b3c6f5e11149f3a4"} <= set(right)
    assert years["000_374bc49b221b3923"].published == date(2018, 2, 5)


def test_process_text(pipe):
    r = pipe.process_text("Islamic State fighters attacked an army checkpoint near Palmyra on Monday.", published=date(2019, 5, 20))
    assert r.events and r.events[0].event_type == "Battles"
    assert r.events[0].evidence_start == 0 and r.events[0].evidence.endswith("Monday.")


def test_outlet_inferred_from_the_page(pipe):
    text = ("Rebels shelled the town of Saraqib on Monday, a local activist told Diyaruna by phone.\n\n"
            "Do you like this article?\n")
    d = Document(id="z", text=text, source_path="-")
    r = next(pipe.process([d]))
    assert r.document.outlet == "Diyaruna" and r.document.extra["outlet_inferred_from"] == "told Diyaruna"
    plain = next(pipe.process([Document(id="w", text="Rebels shelled the town of Saraqib on Monday.", source_path="-")]))
    assert plain.document.outlet is None


def test_undated_text_is_no_older_than_what_it_names(pipe):
    """The pack's dated anchors and the founding dates of the groups named bound an undated article."""
    assert any(a.since == date(2018, 1, 20) for a in pipe.pack.anchors_in("fighting since Operation Olive Branch began"))
    text = "Turkish troops shelled villages near Afrin as Operation Olive Branch went on, activists said."
    d = next(pipe.process([Document(id="u", text=text, source_path="-")])).document
    assert d.published_source == "inferred" and d.published == date(2018, 1, 20) and d.published_confidence < 0.5
    assert "Olive Branch" in d.published_note
    # a generic phrase of a group proves nothing about when it was written
    text2 = "Turkish-backed rebels shelled villages near Afrin, activists said."
    d2 = next(pipe.process([Document(id="v", text=text2, source_path="-")])).document
    assert d2.published is None or "Syrian National Army" not in (d2.published_note or "")
