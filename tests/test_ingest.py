"""Ingest: every kind of input, every kind of bad input, and the bundled corpora."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from frontlines.ingest import MAX_BYTES, count_inputs, disambiguated_id, iter_documents
from frontlines.models import Document, IngestFailure, content_hash

from shared_paths import FAKES, RESERVED, SEEDS
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "fakes_idlib.jsonl"

ARTICLE = (
    "Government forces shelled the town of Kafr Nabl in southern Idlib on Tuesday, "
    "killing three civilians, local activists said.\n"
)

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Clashes near Saraqeb leave 12 dead | Levant Daily</title>
<meta property="og:title" content="Clashes near Saraqeb leave 12 dead">
<meta property="og:site_name" content="Levant Daily">
<meta property="og:url" content="https://levantdaily.example/2019/05/12/saraqeb-clashes">
<meta property="article:published_time" content="2019-05-12T08:30:00+00:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/syria">Syria news</a></li>
<li><a href="/subscribe">Subscribe to our newsletter</a></li></ul></nav>
<header><div class="logo">Levant Daily</div></header>
<main><article>
<h1>Clashes near Saraqeb leave 12 dead</h1>
<p>Heavy fighting broke out on Saturday between government forces and opposition fighters on the
outskirts of Saraqeb in eastern Idlib province, killing at least 12 combatants, a war monitor said.</p>
<p>The Syrian Observatory for Human Rights said government troops backed by Russian air strikes
tried to advance towards the town from the south, but were pushed back after several hours of clashes.</p>
<p>Residents reported intense shelling of nearby villages, and dozens of families fled north towards
the Turkish border, according to local activists.</p>
</article>
<div id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>CommentUser42: Terrible news. Buy cheap watches at spam.example</p></div></div>
</main>
<footer><p>Copyright 2019 Levant Daily. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>
"""

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(200)


def run(*paths, **kw) -> tuple[list[Document], list[IngestFailure]]:
    items = list(iter_documents([*paths], **kw))
    docs = [i for i in items if isinstance(i, Document)]
    fails = [i for i in items if isinstance(i, IngestFailure)]
    assert len(docs) + len(fails) == len(items)
    return docs, fails


def only_failure(fails: list[IngestFailure], path: Path) -> IngestFailure:
    mine = [f for f in fails if f.path == str(path)]
    assert len(mine) == 1, fails
    return mine[0]


def write_jsonl(path: Path, lines: list) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


# ---------------------------------------------------------------------------------------------
# Good inputs
# ---------------------------------------------------------------------------------------------


def test_plain_text_file_stable_id_and_no_metadata(tmp_path):
    p = tmp_path / "000_374bc49b221b3923.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    (docs, fails) = run(p)
    assert fails == []
    [d] = docs
    assert d.id == "000_374bc49b221b3923"
    assert d.text == ARTICLE
    assert d.source_path == str(p)
    assert d.content_hash == content_hash(ARTICLE)
    assert d.published is None and d.published_source is None and d.published_confidence is None
    assert d.outlet is None and d.line is None
    # Reading again gives the same id and hash.
    [again] = run(p)[0]
    assert (again.id, again.content_hash) == (d.id, d.content_hash)


def test_text_variants_bom_crlf_md_and_no_extension(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode())
    (tmp_path / "notes.md").write_text("# Report\n\n" + ARTICLE, encoding="utf-8")
    (tmp_path / "README").write_text(ARTICLE, encoding="utf-8")  # skipped in a directory walk...
    (tmp_path / "dispatch").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "arabic.text").write_text("قصفت قوات النظام مدينة سراقب في ريف إدلب", encoding="utf-8")
    docs, fails = run(tmp_path)
    assert fails == []
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["arabic", "bom", "dispatch", "notes"]
    assert by_id["bom"].text == ARTICLE  # BOM dropped, CRLF normalised
    assert by_id["arabic"].text.startswith("قصفت")
    # ...but read when named explicitly.
    [readme] = run(tmp_path / "README")[0]
    assert readme.id == "README"


def test_html_page_gives_article_text_and_metadata(tmp_path):
    p = tmp_path / "saraqeb-clashes.html"
    p.write_text(NEWS_PAGE, encoding="utf-8")
    docs, fails = run(p)
    assert fails == []
    [d] = docs
    assert d.id == "saraqeb-clashes"
    assert "Heavy fighting broke out on Saturday" in d.text
    assert "pushed back after several hours of clashes" in d.text
    assert "fled north towards the Turkish border" in d.text
    for chrome in ("Subscribe to our newsletter", "Privacy policy", "All rights reserved", "cheap watches", "CommentUser42"):
        assert chrome not in d.text
    assert d.title == "Clashes near Saraqeb leave 12 dead"
    assert d.url == "https://levantdaily.example/2019/05/12/saraqeb-clashes"
    assert d.outlet == "Levant Daily"
    assert d.published == date(2019, 5, 12)
    assert d.published_source == "metadata" and d.published_confidence == 1.0


def test_html_sniffed_in_a_text_file_and_declared_charset(tmp_path):
    (tmp_path / "saved_page.txt").write_text(NEWS_PAGE, encoding="utf-8")
    latin_page = NEWS_PAGE.replace('<meta charset="utf-8">', '<meta charset="windows-1252">').replace(
        "war monitor said", "war monitor said (café owners closed)"
    )
    (tmp_path / "latin_page.htm").write_bytes(latin_page.encode("cp1252"))
    docs, fails = run(tmp_path)
    assert fails == []
    by_id = {d.id: d for d in docs}
    assert "<p>" not in by_id["saved_page"].text and "Heavy fighting" in by_id["saved_page"].text
    assert by_id["saved_page"].title == "Clashes near Saraqeb leave 12 dead"
    assert "café owners" in by_id["latin_page"].text
    assert by_id["latin_page"].extra["encoding"] == "windows-1252"


def test_html_without_date_metadata_leaves_published_empty(tmp_path):
    page = NEWS_PAGE.replace('<meta property="article:published_time" content="2019-05-12T08:30:00+00:00">', "")
    page = page.replace("https://levantdaily.example/2019/05/12/saraqeb-clashes", "https://levantdaily.example/saraqeb")
    p = tmp_path / "nodate.html"
    p.write_text(page, encoding="utf-8")
    [d] = run(p)[0]
    assert d.published is None and d.published_source is None


def test_jsonl_metadata_fields(tmp_path):
    p = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"id": "a1", "text": ARTICLE, "title": "Shelling in Kafr Nabl", "url": "https://ahram.example/a1",
             "source": "ahram", "date": "2016-11-18", "location_governorate": "idlib", "label_credible": 1},
            {"id": 42, "text": ARTICLE + "More.", "outlet": "sana", "published": "18 November 2016"},
            {"id": "a3", "text": ARTICLE + "Again.", "published": "2016-11-20T09:15:00Z"},
            {"id": "a4", "text": ARTICLE + "Undated.", "date": "sometime last week"},
            "",
        ],
    )
    docs, fails = run(p)
    assert fails == []
    a1, a2, a3, a4 = docs
    assert (a1.id, a1.title, a1.url, a1.outlet, a1.published) == (
        "a1", "Shelling in Kafr Nabl", "https://ahram.example/a1", "ahram", date(2016, 11, 18))
    assert a1.published_source == "metadata" and a1.published_confidence == 1.0
    assert a1.extra == {"location_governorate": "idlib", "label_credible": 1}
    assert a1.line == 1 and a1.source_path == str(p)
    assert (a2.id, a2.outlet, a2.published, a2.line) == ("42", "sana", date(2016, 11, 18), 2)
    assert a3.published == date(2016, 11, 20)
    # A relative date is not guessed; the raw value is kept for the analyst.
    assert a4.published is None and a4.published_source is None
    assert a4.extra == {"date": "sometime last week"}


def test_recursive_directory_sorted_and_binary_skipped(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "deep" / "z1.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a" / "x2.html").write_text(NEWS_PAGE, encoding="utf-8")
    write_jsonl(tmp_path / "b" / "c.ndjson", [{"id": "c1", "text": ARTICLE}, {"id": "c2", "text": ARTICLE}])
    (tmp_path / "b" / "photo.png").write_bytes(PNG_BYTES)  # binary extension: skipped, reported
    (tmp_path / "b" / "blob.dat").write_bytes(PNG_BYTES)  # unknown extension, binary: skipped, reported
    (tmp_path / "b" / "wire.story").write_text(ARTICLE, encoding="utf-8")  # unknown extension, text: read
    (tmp_path / "b" / "README.md").write_text("About this corpus.", encoding="utf-8")  # documentation: silent
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")  # hidden: silent
    docs, fails = run(tmp_path)
    # ids: the path under the folder, without extension; a/deep/z1.txt < a/x2.html < b/...
    assert [d.id for d in docs] == ["a/deep/z1", "a/x2", "c1", "c2", "b/wire"]
    assert [(Path(f.path).name, f.reason) for f in fails] == [
        ("blob.dat", "not a document (looks like PNG image, unknown extension .dat); skipped"),
        ("photo.png", "not a document (binary file type .png); skipped"),
    ]
    assert count_inputs([tmp_path]) == len(docs) + len(fails)
    # Deterministic.
    assert [d.id for d in run(tmp_path)[0]] == [d.id for d in docs]


def test_explicitly_named_file_is_always_attempted(tmp_path):
    p = tmp_path / "photo.png"
    p.write_bytes(PNG_BYTES)
    docs, fails = run(p)
    assert docs == []
    assert only_failure(fails, p).reason == "binary content (looks like PNG image)"


# ---------------------------------------------------------------------------------------------
# Bad inputs: each one a clear one-line failure, and the good files beside it still come through
# ---------------------------------------------------------------------------------------------


def test_bad_files_fail_clearly_and_good_ones_come_through(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\t\n   \n", encoding="utf-8")
    binary = tmp_path / "mystery.txt"
    binary.write_bytes(b"\x00\x01\x02\x03garbage\x00\x00\x07\x08" * 20)
    png = tmp_path / "image.txt"
    png.write_bytes(PNG_BYTES)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Le café de Maarat al-Numan a été détruit.".encode("cp1252"))
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(ARTICLE.encode("utf-16"))
    broken_html = tmp_path / "broken.html"
    broken_html.write_text("<html><head><title>x</title></head><body><div><span></div></body>", encoding="utf-8")
    good_html = tmp_path / "good_page.html"
    good_html.write_text(NEWS_PAGE, encoding="utf-8")
    missing = tmp_path / "missing.txt"

    docs, fails = run(tmp_path, missing)
    assert sorted(d.id for d in docs) == ["good", "good_page"]

    assert only_failure(fails, empty).reason == "empty file"
    assert only_failure(fails, blank).reason == "no text"
    assert only_failure(fails, binary).reason == "binary content"
    assert only_failure(fails, png).reason == "binary content (looks like PNG image)"
    latin_reason = only_failure(fails, latin).reason
    assert latin_reason.startswith("not valid UTF-8 (byte 0xe9 at offset 6;"), latin_reason
    assert "cp1252" in latin_reason
    assert only_failure(fails, utf16).reason.startswith("not valid UTF-8 (UTF-16 byte-order mark")
    assert only_failure(fails, broken_html).reason == "HTML has no extractable article text"
    assert only_failure(fails, missing).reason == "no such file or directory"
    assert len(fails) == 8
    for f in fails:
        assert "\n" not in str(f)
        assert str(f).startswith(f.path + ": ")


def test_latin1_failure_names_file_in_its_string(tmp_path):
    p = tmp_path / "report_0417.txt"
    p.write_bytes(b"Shelling hit Ma\xe2arrat al-Nu\xe2man on Monday, killing four.")
    [f] = run(p)[1]
    assert str(f) == f"{p}: not valid UTF-8 (byte 0xe2 at offset 15; looks like cp1252/latin-1)"


def test_too_large_with_real_limit(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.write(b"a" * (50 * 1024 * 1024))
    small = tmp_path / "small.txt"
    small.write_text(ARTICLE, encoding="utf-8")
    docs, fails = run(tmp_path)
    assert [d.id for d in docs] == ["small"]
    assert only_failure(fails, big).reason == "file is 50.0 MB, larger than the 20 MB limit"
    assert MAX_BYTES == 20 * 1024 * 1024


def test_too_large_with_small_limit(tmp_path):
    p = tmp_path / "medium.txt"
    p.write_text("x" * 3000, encoding="utf-8")
    ok = tmp_path / "ok.txt"
    ok.write_text("short text", encoding="utf-8")
    docs, fails = run(p, ok, max_bytes=2048)
    assert [d.id for d in docs] == ["ok"]
    assert only_failure(fails, p).reason == "file is 2.9 KB, larger than the 2 KB limit"


def test_jsonl_bad_lines_fail_with_line_numbers_and_the_rest_come_through(tmp_path):
    p = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"id": "r1", "text": ARTICLE},                      # 1
            {"id": "r2", "text": ARTICLE},                      # 2
            "",                                                 # 3 blank: ignored
            {"text": ARTICLE},                                  # 4 no id
            '{"id": "r5", "text": "abc" "def"}',                # 5 invalid JSON
            {"id": "r6", "title": "no text here"},              # 6 no text
            '["r7", "not an object"]',                          # 7 not an object
            {"id": "r2", "text": "A different article."},       # 8 duplicate id
            {"id": "r9", "text": 17},                           # 9 text not a string
            {"id": "r10", "text": "   "},                       # 10 empty text
            {"id": "r11", "text": ARTICLE, "date": "2013-03-02"},  # 11 fine
            '{"id": "r12", "text": "truncated',                 # 12 invalid JSON
        ],
    )
    docs, fails = run(p)
    assert [(d.id, d.line) for d in docs] == [("r1", 1), ("r2", 2), ("r11", 11)]
    got = {f.line: f.reason for f in fails}
    assert got == {
        4: "record has no 'id'",
        5: "invalid JSON (Expecting ',' delimiter at column 28)",
        6: "record has no 'text'",
        7: "record is not an object (got array)",
        8: "duplicate id 'r2' (first seen at line 2)",
        9: "'text' is not a string (got number)",
        10: "record has empty 'text'",
        12: "invalid JSON (Unterminated string starting at column 23)",
    }
    assert all(f.path == str(p) for f in fails)
    assert str(fails[0]) == f"{p}:4: record has no 'id'"


def test_jsonl_oversized_record_skipped_without_stopping(tmp_path):
    p = write_jsonl(
        tmp_path / "c.jsonl",
        [{"id": "small", "text": ARTICLE}, {"id": "huge", "text": "y" * 5000}, {"id": "after", "text": ARTICLE}],
    )
    docs, fails = run(p, max_bytes=1024)
    assert [d.id for d in docs] == ["small", "after"]
    [f] = fails
    assert f.line == 2 and f.reason == "record is 4.9 KB, larger than the 1 KB limit"


def test_jsonl_empty_binary_and_non_utf8_line(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n", encoding="utf-8")
    png = tmp_path / "pic.jsonl"
    png.write_bytes(PNG_BYTES)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "x1", "text": "ok"}\n{"id": "x2", "text": "caf\xe9"}\n')
    docs, fails = run(empty, blank, png, latin)
    assert [d.id for d in docs] == ["x1"]
    assert only_failure(fails, empty).reason == "empty file"
    assert only_failure(fails, blank).reason == "no records (only blank lines)"
    assert only_failure(fails, png).reason == "binary content (looks like PNG image)"
    f = only_failure(fails, latin)
    assert (f.line, f.reason) == (2, "not valid UTF-8 (byte 0xe9 at column 26)")


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "dispatch.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b" / "dispatch.txt").write_text(ARTICLE + "Updated.", encoding="utf-8")
    docs, fails = run(tmp_path)
    # Same name, different folders: two documents, told apart by their path under the folder.
    assert fails == []
    assert [(d.id, d.source_path) for d in docs] == [
        ("a/dispatch", str(tmp_path / "a" / "dispatch.txt")), ("b/dispatch", str(tmp_path / "b" / "dispatch.txt"))]
    # Named directly, both are "dispatch": the second gets a tag of its absolute path, stable across calls.
    docs, fails = run(tmp_path / "a" / "dispatch.txt", tmp_path / "b" / "dispatch.txt")
    assert fails == []
    tag = disambiguated_id("dispatch", str(tmp_path / "b" / "dispatch.txt"))
    assert [d.id for d in docs] == ["dispatch", tag] and re.fullmatch(r"dispatch~[0-9a-f]{8}", tag)
    # JSONL records keep their explicit ids: a repeat in another file is still refused.
    write_jsonl(tmp_path / "c1.jsonl", [{"id": "r1", "text": ARTICLE}])
    write_jsonl(tmp_path / "c2.jsonl", [{"id": "r1", "text": ARTICLE + "Updated."}])
    docs, fails = run(tmp_path / "c1.jsonl", tmp_path / "c2.jsonl")
    assert [d.id for d in docs] == ["r1"]
    [f] = fails
    assert (f.path, f.line) == (str(tmp_path / "c2.jsonl"), 1)
    assert f.reason == f"duplicate id 'r1' (first seen at {tmp_path / 'c1.jsonl'}:1)"
    # The same file named twice is read once, silently.
    docs, fails = run(tmp_path / "a" / "dispatch.txt", tmp_path / "a")
    assert len(docs) == 1 and fails == []


def test_directories_with_nothing_readable(tmp_path):
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    pics = tmp_path / "pics"
    pics.mkdir()
    (pics / "a.png").write_bytes(PNG_BYTES)
    (pics / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    docs, fails = run(empty_dir, pics)
    assert docs == []
    assert only_failure(fails, empty_dir).reason == "no documents found (directory is empty)"
    assert only_failure(fails, pics / "a.png").reason == "not a document (binary file type .png); skipped"
    assert only_failure(fails, pics).reason == "no documents found (2 failed, 0 skipped)"
    docs_only = tmp_path / "docs"
    docs_only.mkdir()
    (docs_only / "LICENSE").write_text("MIT", encoding="utf-8")
    assert only_failure(run(docs_only)[1], docs_only).reason == "no documents found (1 file skipped: not a document)"
    assert count_inputs([empty_dir, pics]) == 3  # an estimate: the folder summary is not counted


def test_single_path_argument_is_not_iterated_character_by_character(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    assert [d.id for d in iter_documents(str(p))] == ["one"]


# ---------------------------------------------------------------------------------------------
# Bundled and shared corpora
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_seeds_folder():
    docs, fails = run(SEEDS)
    assert fails == []
    assert [d.id for d in docs] == [
        "000_374bc49b221b3923",
        "001_b367991746375330",
        "002_b3c6f5e11149f3a4",
        "003_6f3c69765b944649",
        "004_58f572fc6bbb9d98",
    ]
    assert docs[0].text.startswith("Local Idlib faction defects from Tahrir al-Sham")
    assert all(d.published is None for d in docs)  # plain text: no metadata date
    assert count_inputs([SEEDS]) == 5


@pytest.mark.skipif(not FAKES.is_file(), reason="FA-KES corpus not available")
def test_fakes_corpus_streams_all_records_with_metadata_dates():
    items = list(iter_documents([FAKES]))
    assert len(items) == 804 == count_inputs([FAKES])
    docs = [i for i in items if isinstance(i, Document)]
    fails = [i for i in items if isinstance(i, IngestFailure)]
    # FA-KES repeats 9 ids on 12 extra lines (the same article under two labels); the later ones are refused.
    assert len(docs) == 792 and len(fails) == 12
    assert all(f.reason.startswith("duplicate id 'fakes-") for f in fails)
    assert len({d.id for d in docs}) == 792
    assert all(d.published is not None and d.published_source == "metadata" for d in docs)
    first = docs[0]
    assert (first.id, first.outlet, first.published, first.line) == ("fakes-1914947530", "nna", date(2017, 4, 5), 1)
    assert first.extra == {"location_governorate": "idlib", "label_credible": 0}


def test_demo_corpus_is_about_idlib_and_holds_no_reserved_record():
    assert DEMO.is_file()
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 97
    assert all(r["location_governorate"] == "idlib" or "idlib" in r["text"].lower() for r in records)
    docs, fails = run(DEMO.parent)  # README.md beside it is not read as a document
    assert len(docs) == 95 and len(fails) == 2
    assert all(d.published is not None for d in docs)
    if RESERVED.is_file():
        reserved = {ln.strip() for ln in RESERVED.read_text().splitlines() if ln.strip() and not ln.startswith("#")}
        assert len(reserved) == 30 and not reserved & {r["id"] for r in records}
    if FAKES.is_file():  # every record is an unchanged FA-KES line, in the corpus's order
        corpus = FAKES.read_text(encoding="utf-8").splitlines()
        assert set(DEMO.read_text(encoding="utf-8").splitlines()) <= set(corpus)


# ---------------------------------------------------------------------------------------------
# Hostile inputs: never block, never raise, names kept printable and storable
# ---------------------------------------------------------------------------------------------


def test_named_fifo_link_loop_and_dir_link_fail_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    docs, fails = run(fifo, tmp_path / "a")
    assert docs == []
    assert only_failure(fails, fifo).reason == "not a regular file (FIFO); not opened"
    assert only_failure(fails, tmp_path / "a").reason == "symbolic link loop"
    assert count_inputs([fifo, tmp_path / "a"]) == 2
    # Inside a folder: the same, and a link to a folder is reported, not followed.
    os.symlink(".", tmp_path / "self")
    (tmp_path / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    docs, fails = run(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    assert {Path(f.path).name: f.reason for f in fails} == {
        "a": "symbolic link loop; not followed",
        "b": "symbolic link loop; not followed",
        "pipe.jsonl": "not a regular file (FIFO); not opened",
        "self": "symbolic link to a directory; not followed (name the directory itself to read it)",
    }


def test_undecodable_file_name_is_escaped_everywhere(tmp_path):
    import os

    base = os.fsencode(str(tmp_path))
    for name, data in ((b"ok\xff.txt", ARTICLE.encode()), (b"empty\xfe.txt", b"")):
        fd = os.open(base + b"/" + name, os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(fd, data)
        os.close(fd)
    docs, fails = run(tmp_path)
    [d] = docs
    assert d.id == "ok\\xff" and d.source_path == f"{tmp_path}/ok\\xff.txt"
    [f] = fails
    assert f.path == f"{tmp_path}/empty\\xfe.txt" and f.reason == "empty file"
    str(f).encode("utf-8")  # printable, storable: no lone surrogate left
    # A path named on the command line with undecodable bytes (sys.argv holds surrogates).
    [f] = run(os.fsdecode(base + b"/missing\xfd.txt"))[1]
    assert f.path.endswith("missing\\xfd.txt") and f.reason == "no such file or directory"


def test_jsonl_hostile_records_fail_alone(tmp_path):
    from frontlines.ingest import MAX_JSON_DEPTH

    ok_deep = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    too_deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    p = write_jsonl(
        tmp_path / "c.jsonl",
        [
            '{"id": "s1", "text": "a \\ud800 b"}',                              # 1 lone surrogate in text
            '{"id": "s2", "text": "fine", "title": "t \\udc00"}',               # 2 lone surrogate in title
            '{"id": "s3", "text": "smile \\ud83d\\ude00 ok", "x": "\\\\ud800"}',  # 3 a pair, an escaped backslash: fine
            '{"id": "n4", "text": "x", "n": ' + "1" * 4301 + "}",               # 4 integer too large
            '{"id": "d5", "text": "x", "deep": ' + too_deep[1:-1] + "}",        # 5 65 levels with the record
            '{"id": "d6", "text": "x", "deep": ' + ok_deep[2:-2] + "}",         # 6 64 levels: fine
            "[" * 100_000 + "]" * 100_000,                                      # 7 deep, not even an object
            '{"id": "t8", "text": "x", "date": ' + "9" * 400 + "}",             # 8 a number as a date
            json.dumps({"id": "i" * 300, "text": "x"}),                         # 9 id too long
            json.dumps({"id": "last", "text": ARTICLE}),                        # 10 fine
        ],
    )
    docs, fails = run(p)
    got = {f.line: f.reason for f in fails}
    assert got[1] == "invalid record (lone surrogate escape in 'text': not valid Unicode)"
    assert got[2] == "invalid record (lone surrogate escape in 'title': not valid Unicode)"
    assert got[4] == "number too large (more than 4300 digits)"
    assert got[5] == got[7] == f"nested too deep (more than {MAX_JSON_DEPTH} levels)"
    assert got[9] == "'id' is longer than 255 characters"
    assert 8 in got or "t8" in [d.id for d in docs]  # refused, or stored with the date kept aside
    assert {d.id for d in docs} - {"t8"} == {"s3", "d6", "last"}
    assert next(d for d in docs if d.id == "s3").text == "smile \U0001F600 ok"
    for f in fails:
        str(f).encode("utf-8")
