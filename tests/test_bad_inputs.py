"""One bad input fails only itself: each case sits beside five good articles, and the run (the CLI's
`run` on the folder) must exit 0, store every good document, print one `error: PATH[:LINE]: reason`
line per bad input and record it as a failure, and never hang (a SIGALRM per test)."""
from __future__ import annotations

import json
import os
import re
import signal
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlines import cli
from frontlines.cli import app
from frontlines.store import Store

runner = CliRunner()

GOOD = {
    "good1": "Syrian government forces shelled the town of Binnish in Idlib on Monday, killing three civilians.\n",
    "good2": "Russian warplanes struck the village of Kafr Nabl in southern Idlib on Tuesday, killing four civilians.\n",
    "good3": "Hayat Tahrir al-Sham fighters clashed with government forces near Saraqib on Wednesday, killing six fighters.\n",
    "good4": "Turkish drones struck a car near Afrin on Thursday, killing two fighters of the Syrian Democratic Forces.\n",
    "good5": "Government forces shelled the town of Maarat al-Numan on Friday, killing five civilians, activists said.\n",
}
GOOD_JSONL = "Rebels shelled the town of Saraqib on Monday, killing two soldiers, a monitor said."


class Hang(Exception):
    pass


@pytest.fixture(autouse=True)
def no_hang(request):
    """Fail (never hang) a test that runs too long; pytest-timeout is not installed."""
    seconds = 240 if "big_text" in request.node.name else 90

    def on_alarm(signum, frame):
        raise Hang(f"{request.node.name} ran over {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def shared_pipeline():
    """One Pipeline for the whole file; the CLI's `run` is pointed at it."""
    from frontlines.pipeline import Pipeline

    pipe = Pipeline("syria")
    mp = pytest.MonkeyPatch()
    mp.setattr(cli, "_pipeline", lambda pack, **options: pipe)
    yield pipe
    mp.undo()


@dataclass
class Expect:
    failures: list[tuple[str, int | None, str]] = field(default_factory=list)  # (path ends with, line, reason contains)
    stored: list[str] = field(default_factory=list)  # more document ids that must be stored
    either: list[tuple[str, str, int]] = field(default_factory=list)  # (doc id, path ends with, line): stored or failed
    check: object = None  # callable(store, folder) for anything more


# ---------------------------------------------------------------------------------------------
# The cases: each builds its bad input in `folder` (beside the good files) and says what must happen
# ---------------------------------------------------------------------------------------------


def case_big_text(folder: Path, mp) -> Expect:
    """1.2 MB of text (over spaCy's 1,000,000 characters): processed in pieces, offsets right."""
    events = [
        "Syrian government forces shelled the village of Kansafra in Idlib on Monday, killing two civilians.",
        "Russian warplanes struck the town of Ariha in Idlib on Tuesday, killing seven civilians.",
        "Government forces shelled the town of Khan Shaykhun on Wednesday, killing four civilians.",
    ]
    # Cheap filler for spaCy (runs of blank lines and rules), so the case stays a few seconds long.
    filler = ("\n" * 3000 + "-" * 40 + "\n\n") * 198
    text = events[0] + "\n\n" + filler + events[1] + "\n\n" + filler + events[2] + "\n"
    assert len(text) > 1_000_000
    (folder / "huge.txt").write_text(text, encoding="utf-8")

    def check(store: Store, folder: Path) -> None:
        evs = store.events(doc_ids=["huge"])
        starts = sorted(src["evidence_start"] for e in evs for src in e["sources"] if src["doc_id"] == "huge")
        expected = sorted(text.index(s) for s in events)
        assert starts == expected, (starts, expected)
        stored = store.document("huge")
        for e in evs:
            for src in e["sources"]:
                if src["doc_id"] == "huge":
                    assert stored["text"][src["evidence_start"]:src["evidence_end"]] == src["evidence"]

    return Expect(stored=["huge"], check=check)


def case_symlink_loop(folder: Path, mp) -> Expect:
    os.symlink("loop_b", folder / "loop_a")
    os.symlink("loop_a", folder / "loop_b")
    os.symlink("..", folder / "up")  # a link to a directory: not followed (it would loop)
    os.symlink("missing.txt", folder / "broken.txt")
    return Expect(failures=[("loop_a", None, "symbolic link loop"), ("loop_b", None, "symbolic link loop"),
                            ("up", None, "symbolic link to a directory; not followed"),
                            ("broken.txt", None, "broken symbolic link")])


def case_non_utf8_name(folder: Path, mp) -> Expect:
    base = os.fsencode(str(folder))
    fd = os.open(base + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b"Rebels shelled the town of Saraqib on Monday, killing two soldiers.\n")
    os.close(fd)
    fd = os.open(base + b"/empty\xfe.txt", os.O_CREAT | os.O_WRONLY, 0o644)  # fails: the path is recorded
    os.close(fd)

    def check(store: Store, folder: Path) -> None:
        doc = store.document("bad\\xff")
        assert doc is not None and doc["source_path"].endswith("bad\\xff.txt")

    return Expect(failures=[("empty\\xfe.txt", None, "empty file")], stored=["bad\\xff"], check=check)


def _jsonl(folder: Path, bad_line: str) -> Path:
    p = folder / "corpus.jsonl"
    p.write_text(json.dumps({"id": "ok-1", "text": GOOD_JSONL}) + "\n" + bad_line + "\n"
                 + json.dumps({"id": "ok-3", "text": GOOD_JSONL.replace("two", "three")}) + "\n", encoding="utf-8")
    return p


def case_jsonl_lone_surrogate(folder: Path, mp) -> Expect:
    _jsonl(folder, '{"id": "bad", "text": "Rebels \\ud800 shelled Saraqib.", "title": "x"}')
    return Expect(failures=[("corpus.jsonl", 2, "lone surrogate")], stored=["ok-1", "ok-3"])


def case_jsonl_huge_integer(folder: Path, mp) -> Expect:
    _jsonl(folder, '{"id": "bad", "text": "Rebels shelled Saraqib.", "n": ' + "7" * 5000 + "}")
    return Expect(failures=[("corpus.jsonl", 2, "number too large")], stored=["ok-1", "ok-3"])


def case_jsonl_nested_deep(folder: Path, mp) -> Expect:
    _jsonl(folder, '{"id": "bad", "text": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return Expect(failures=[("corpus.jsonl", 2, "nested too deep")], stored=["ok-1", "ok-3"])


def case_jsonl_numeric_date(folder: Path, mp) -> Expect:
    _jsonl(folder, '{"id": "bad-date", "text": "Rebels shelled Saraqib on Monday.", "date": ' + "9" * 400 + "}")
    # Refused here, or (once dates refuse numeric dates) stored with the date kept aside: never a crash.
    return Expect(stored=["ok-1", "ok-3"], either=[("bad-date", "corpus.jsonl", 2)])


def case_fifo(folder: Path, mp) -> Expect:
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "pipe.jsonl")
    os.mkfifo(folder / "pipe.data")
    return Expect(failures=[(name, None, "not a regular file (FIFO); not opened")
                            for name in ("pipe.txt", "pipe.jsonl", "pipe.data")])


def case_unreadable_folder(folder: Path, mp) -> Expect:
    locked = folder / "locked"
    locked.mkdir()
    (locked / "inside.txt").write_text(GOOD["good1"], encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        # Running as root: chmod 000 does not stop reading, so make listing it fail the way it would.
        from frontlines import ingest

        real = ingest._scandir

        def scandir(path):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        mp.setattr(ingest, "_scandir", scandir)
    return Expect(failures=[("locked", None, "cannot list directory (permission denied)")])


def case_binary_and_unknown_files(folder: Path, mp) -> Expect:
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (folder / "blob.dat").write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    (folder / "README.md").write_text("About this corpus.\n", encoding="utf-8")  # documentation: silent
    (folder / ".notes.txt").write_text(GOOD["good1"], encoding="utf-8")  # hidden: silent
    (folder / "wire.story").write_text(GOOD_JSONL + "\n", encoding="utf-8")  # unknown extension, text: read
    return Expect(failures=[("photo.png", None, "binary file type .png"), ("blob.dat", None, "binary content")],
                  stored=["wire"])


def case_extractor_raises(folder: Path, mp) -> Expect:
    """Any exception in a stage fails that document only; its batch-mates are still stored."""
    (folder / "boom.txt").write_text("Rebels shelled Saraqib on Monday. BOOM.\n", encoding="utf-8")
    pipe = cli._pipeline("syria")
    real = pipe.extractor

    def extractor(doc, document, published):
        if "BOOM" in doc.text:
            raise RuntimeError("synthetic failure\nwith a second line")
        return real(doc, document, published)

    mp.setattr(pipe, "extractor", extractor)
    return Expect(failures=[("boom.txt", None, "annotate/extract failed on document 'boom' (RuntimeError: synthetic failure with a second line)")])


def case_store_raises(folder: Path, mp) -> Expect:
    (folder / "nostore.txt").write_text("Rebels shelled Saraqib on Monday, killing one soldier.\n", encoding="utf-8")
    real = Store._save_result  # what both save_result and the run's batched save_results call per document

    def _save_result(self, s, result, **kw):
        if result.document.id == "nostore":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(self, s, result, **kw)

    mp.setattr(Store, "_save_result", _save_result)
    return Expect(failures=[("nostore.txt", None, "store failed on document 'nostore' (UnicodeEncodeError")])


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def _run(folder: Path, db: str):
    return runner.invoke(app, ["run", str(folder), "--db", db, "--quiet"], catch_exceptions=False)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_only_itself(case, tmp_path, shared_pipeline, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    expect = CASES[case](folder, monkeypatch)
    db = str(tmp_path / "run.db")
    try:
        res = _run(folder, db)
    finally:
        for p in folder.rglob("*"):  # let tmp_path be cleaned up
            if p.is_dir() and not p.is_symlink():
                p.chmod(stat.S_IRWXU)
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), lines

    store = Store(db)
    try:
        ids = {d["id"] for d in store.documents()}
        assert set(GOOD) | set(expect.stored) <= ids, ids
        for gid in GOOD:
            assert store.events(doc_ids=[gid]), f"no event from {gid}"
        failures = store.failures()
        recorded = {(f["path"], f.get("line")) for f in failures}
        for suffix, line, reason in expect.failures:
            where = f"{suffix}:{line}" if line else suffix
            printed = [ln for ln in lines if re.search(rf"{re.escape(where)}: .*{re.escape(reason)}", ln)]
            assert len(printed) == 1, (where, reason, lines)
            mine = [f for f in failures if f["path"].endswith(suffix) and f.get("line") == line]
            assert len(mine) == 1 and reason in mine[0]["reason"], (suffix, failures)
        for doc_id, suffix, line in expect.either:
            failed = any(p.endswith(suffix) and ln == line for p, ln in recorded)
            assert (doc_id in ids) != failed, (doc_id, ids, failures)
        assert len(failures) == len(expect.failures) + sum(
            1 for d, s, ln in expect.either if d not in ids), failures
        assert len(lines) == len(failures), lines
        if expect.check:
            expect.check(store, folder)
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------
# Same file name in two folders: two documents, in one run and across runs
# ---------------------------------------------------------------------------------------------

TEXT_A = "Rebels attacked the town of Saraqib on Tuesday, killing two soldiers.\n"
TEXT_B = "Turkish drones struck a car near Afrin on Friday, killing four fighters.\n"


def _stored(db: str) -> dict[str, dict]:
    store = Store(db)
    try:
        return {d["id"]: store.document(d["id"]) for d in store.documents()}
    finally:
        store.close()


def test_same_name_in_two_folders_one_run(tmp_path, shared_pipeline):
    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    (root / "other").mkdir()
    (root / "a" / "000_x.txt").write_text(TEXT_A, encoding="utf-8")
    (root / "other" / "000_x.txt").write_text(TEXT_B, encoding="utf-8")
    db = str(tmp_path / "one.db")
    res = _run(root, db)
    assert res.exit_code == 0 and res.stderr == "", res.output
    docs = _stored(db)
    assert set(docs) == {"a/000_x", "other/000_x"}
    assert docs["a/000_x"]["text"] == TEXT_A and docs["other/000_x"]["text"] == TEXT_B


def test_same_name_in_two_folders_two_runs(tmp_path, shared_pipeline):
    a, other = tmp_path / "a", tmp_path / "other"
    a.mkdir()
    other.mkdir()
    (a / "000_x.txt").write_text(TEXT_A, encoding="utf-8")
    (other / "000_x.txt").write_text(TEXT_B, encoding="utf-8")
    db = str(tmp_path / "two.db")
    assert _run(a, db).exit_code == 0  # top-level file of the folder: id "000_x"
    res = _run(other, db)  # also "000_x", but another file with other content: kept apart
    assert res.exit_code == 0 and res.stderr == "", res.output
    docs = _stored(db)
    assert len(docs) == 2 and docs["000_x"]["text"] == TEXT_A
    [alt] = set(docs) - {"000_x"}
    assert re.fullmatch(r"000_x~[0-9a-f]{8}", alt) and docs[alt]["text"] == TEXT_B
    # Runs again: nothing new, nothing replaced.
    assert _run(other, db).exit_code == 0 and _run(a, db).exit_code == 0
    assert set(_stored(db)) == {"000_x", alt}
    # The same file changed: replaced under its own id, not added.
    (other / "000_x.txt").write_text(TEXT_B.replace("four", "five"), encoding="utf-8")
    assert _run(other, db).exit_code == 0
    docs = _stored(db)
    assert set(docs) == {"000_x", alt} and "five" in docs[alt]["text"] and docs["000_x"]["text"] == TEXT_A


# ---------------------------------------------------------------------------------------------
# The pieces under the guard
# ---------------------------------------------------------------------------------------------


def test_split_text_cuts_at_boundaries_and_joins_back():
    from frontlines.pipeline import split_text

    para = "Rebels shelled Saraqib on Monday. Residents fled north.\n\n"
    text = para * 50
    pieces = split_text(text, 500)
    assert "".join(pieces) == text and all(len(p) <= 500 for p in pieces)
    assert all(p.endswith("\n\n") for p in pieces[:-1])  # cut after a blank line
    one_line = "Rebels shelled Saraqib on Monday. " * 40
    pieces = split_text(one_line, 300)
    assert "".join(pieces) == one_line and all(p.endswith(". ") for p in pieces[:-1])  # after a sentence
    solid = "x" * 1000
    assert split_text(solid, 300) == ["x" * 300] * 3 + ["x" * 100]


def test_failing_document_does_not_take_its_batch_down(shared_pipeline, monkeypatch):
    from frontlines.models import Document, IngestFailure

    real = shared_pipeline.extractor
    calls = []

    def extractor(doc, document, published):
        calls.append(document.id)
        if document.id == "bad":
            raise ValueError("no good")
        return real(doc, document, published)

    monkeypatch.setattr(shared_pipeline, "extractor", extractor)
    docs = [Document(id=i, text=GOOD[f"good{n}"], source_path=f"/in/{i}.txt")
            for n, i in enumerate(["a", "bad", "c"], start=1)]
    out = list(shared_pipeline.process(docs, guard=True))
    assert [type(o).__name__ for o in out] == ["DocumentResult", "IngestFailure", "DocumentResult"]
    assert [o.document.id for o in out if not isinstance(o, IngestFailure)] == ["a", "c"]
    assert str(out[1]) == "/in/bad.txt: annotate/extract failed on document 'bad' (ValueError: no good)"
    assert all(o.events for o in out if not isinstance(o, IngestFailure))
    with pytest.raises(ValueError):  # without the guard, the exception is the caller's
        list(shared_pipeline.process(docs))
