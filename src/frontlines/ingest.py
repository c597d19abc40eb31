"""Read raw reporting from disk: text files, HTML pages, JSONL corpora and directories of them.

`iter_documents` yields one `Document` per article, or an `IngestFailure` with a one-line
reason for anything it cannot read; a bad input never stops the iteration.

* Plain text (.txt, .text, .md, no extension): decoded strictly as UTF-8 (a BOM is dropped),
  line endings normalised to "\\n". Content that is really HTML is sniffed and handled as HTML.
* HTML (.html, .htm): main text and metadata (title, date, url, sitename -> outlet) via trafilatura.
* JSONL (.jsonl, .ndjson): streamed line by line; one JSON object per line with `id`, `text`, and
  optionally `title`, `url`, `source`/`outlet`, `date`/`published`; every other key goes to `extra`.
* Directories: walked recursively in sorted order; hidden entries, files with known binary
  extensions, files that look binary, and README/LICENSE files are skipped silently.

The publication date is taken from metadata only (`published_source="metadata"`); when there is none,
`published` stays None for a later stage to infer from the text.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from .dates import parse_metadata_date as _parse_date
from .models import Document, IngestFailure

MAX_BYTES = 20 * 1024 * 1024

TEXT_EXTS = frozenset({".txt", ".text", ".md", ""})
HTML_EXTS = frozenset({".html", ".htm"})
JSONL_EXTS = frozenset({".jsonl", ".ndjson"})

# Never documents: skipped inside a directory without even being opened.
BINARY_EXTS = frozenset(
    """.png .jpg .jpeg .gif .bmp .tif .tiff .webp .ico .svgz .heic .avif
    .pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .epub
    .zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .whl .jar
    .mp3 .mp4 .m4a .wav .ogg .flac .avi .mov .mkv .webm
    .exe .dll .so .dylib .bin .o .a .pyc .class
    .db .sqlite .sqlite3 .parquet .feather .arrow .pkl .pickle .npy .npz .pt .pth .onnx .safetensors
    .woff .woff2 .ttf .otf""".split()
)
# Documentation beside a corpus, not reporting: skipped inside a directory (still read when named).
_DOC_FILE_RE = re.compile(r"^(readme|licen[cs]e|copying|changelog|notice|authors)(\.[a-z0-9]+)?$", re.I)

# Keys of a JSONL record that map onto Document fields; everything else goes to `extra`.
_JSONL_KNOWN = ("id", "text", "title", "url", "source", "outlet", "date", "published")

# (magic bytes, offset, what it is); "BM" (BMP) and "MZ" (.exe) are too short to trust without a NUL byte.
_MAGIC: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"%PDF-", 0, "PDF document"),
    (b"PK\x03\x04", 0, "ZIP archive or Office document"),
    (b"PK\x05\x06", 0, "ZIP archive"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Office document"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"ftyp", 4, "MP4/MOV video"),
    (b"ID3", 0, "MP3 audio"),
    (b"OggS", 0, "Ogg audio/video"),
    (b"fLaC", 0, "FLAC audio"),
    (b"\x1aE\xdf\xa3", 0, "Matroska/WebM video"),
    (b"wOFF", 0, "WOFF font"),
    (b"wOF2", 0, "WOFF2 font"),
    (b"PAR1", 0, "Parquet file"),
    (b"\x93NUMPY", 0, "NumPy array"),
]

_SNIFF_BYTES = 8192
_MIB = 1024 * 1024
_HTML_START_RE = re.compile(rb"^\s*(<!--.*?-->\s*)*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I | re.S)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_CTRL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def iter_documents(
    paths: Iterable[str | Path] | str | Path, max_bytes: int = MAX_BYTES
) -> Iterator[Document | IngestFailure]:
    """Yield a Document (or an IngestFailure) for every article found under `paths`, in a stable order.

    A single text/HTML file, or a single JSONL record, larger than `max_bytes` is refused.
    Ids are unique within one call: a repeated id is reported as a failure and its document dropped.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    seen_ids: dict[str, str] = {}  # id -> where it was first read
    seen_files: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            kind = "broken symbolic link" if path.is_symlink() else "no such file or directory"
            yield IngestFailure(str(path), kind)
            continue
        if path.is_dir():
            yield from _iter_directory(path, max_bytes, seen_ids, seen_files)
        else:
            yield from _dedupe_file(path, max_bytes, seen_ids, seen_files)


def count_inputs(paths: Iterable[str | Path] | str | Path) -> int:
    """Cheap estimate of how many items `iter_documents` will yield (files + JSONL lines, blank lines included)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    total = 0
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            total += 1
        elif path.is_dir():
            files = [p for p in _walk(path) if _dir_candidate(p)]
            total += sum(_count_file(p) for p in files) or 1
        else:
            total += _count_file(path)
    return total


def _count_file(path: Path) -> int:
    if path.suffix.lower() not in JSONL_EXTS:
        return 1
    n = 0
    last = b"\n"
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_MIB):
                n += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 1
    return max(1, n + (last != b"\n"))


# --------------------------------------------------------------------------------------------
# Directories
# --------------------------------------------------------------------------------------------


def _walk(root: Path) -> Iterator[Path]:
    """Files under root, recursively, sorted by path, hidden entries skipped, symlinked dirs not followed."""
    found: list[tuple[tuple[str, ...], Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                p = Path(dirpath) / name
                found.append((p.relative_to(root).parts, p))
    found.sort(key=lambda t: t[0])
    for _, p in found:
        yield p


def _dir_candidate(path: Path) -> bool:
    """Should a file met while walking a directory be read? (Named files are always read.)"""
    ext = path.suffix.lower()
    if ext in BINARY_EXTS or _DOC_FILE_RE.match(path.name):
        return False
    if ext in TEXT_EXTS or ext in HTML_EXTS or ext in JSONL_EXTS:
        return True
    # Unknown extension: read it only if it looks like text.
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return True  # let the reader report why it cannot be opened
    return _sniff_binary(head) is None


def _iter_directory(
    root: Path, max_bytes: int, seen_ids: dict[str, str], seen_files: set[str]
) -> Iterator[Document | IngestFailure]:
    n_files = n_skipped = n_docs = n_failed = n_repeat = 0
    for path in _walk(root):
        n_files += 1
        if not _dir_candidate(path):
            n_skipped += 1
            continue
        produced = False
        for item in _dedupe_file(path, max_bytes, seen_ids, seen_files):
            produced = True
            if isinstance(item, Document):
                n_docs += 1
            else:
                n_failed += 1
            yield item
        n_repeat += not produced  # already read earlier in this call
    if n_docs == 0 and not (n_repeat and not n_failed):
        if n_files == 0:
            detail = " (directory is empty)"
        elif n_failed == 0:
            detail = f" ({_plural(n_skipped, 'file')} skipped: binary or not a document)"
        else:
            detail = f" ({n_failed} failed, {n_skipped} skipped)"
        yield IngestFailure(str(root), "no documents found" + detail)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _dedupe_file(
    path: Path, max_bytes: int, seen_ids: dict[str, str], seen_files: set[str]
) -> Iterator[Document | IngestFailure]:
    try:
        key = str(path.resolve())
    except OSError:
        key = str(path.absolute())
    if key in seen_files:  # the same file named twice (e.g. explicitly and inside a directory)
        return
    seen_files.add(key)
    for item in _read_file(path, max_bytes):
        if isinstance(item, Document):
            where = f"{item.source_path}:{item.line}" if item.line else item.source_path
            first = seen_ids.get(item.id)
            if first is not None:
                if item.line and first.startswith(f"{item.source_path}:"):
                    first_where = "line " + first.rsplit(":", 1)[1]
                else:
                    first_where = first
                yield IngestFailure(item.source_path, f"duplicate id {item.id!r} (first seen at {first_where})", item.line)
                continue
            seen_ids[item.id] = where
        yield item


def _read_file(path: Path, max_bytes: int) -> Iterator[Document | IngestFailure]:
    spath = str(path)
    ext = path.suffix.lower()
    try:
        if ext in JSONL_EXTS:
            yield from _read_jsonl(path, max_bytes)
            return
        size = path.stat().st_size
        if size > max_bytes:
            yield IngestFailure(spath, f"file is {_human(size)}, larger than the {_human(max_bytes, limit=True)} limit")
            return
        data = path.read_bytes()
    except PermissionError:
        yield IngestFailure(spath, "permission denied")
        return
    except IsADirectoryError:
        yield IngestFailure(spath, "is a directory")
        return
    except OSError as e:
        yield IngestFailure(spath, f"cannot read file ({e.strerror or e})")
        return

    if not data:
        yield IngestFailure(spath, "empty file")
        return
    what = _sniff_binary(data[:_SNIFF_BYTES])
    if what is not None:
        yield IngestFailure(spath, f"binary content (looks like {what})" if what else "binary content")
        return

    is_html = ext in HTML_EXTS or bool(_HTML_START_RE.match(data[:4096]))
    text, encoding, err = _decode(data, html=is_html)
    if err:
        yield IngestFailure(spath, err)
        return
    assert text is not None
    if not text.strip():
        yield IngestFailure(spath, "no text")
        return

    if is_html:
        yield _from_html(path, text, encoding)
        return

    extra = {"encoding": encoding} if encoding != "utf-8" else {}
    yield Document(id=path.stem, text=_normalise_newlines(text), source_path=spath, extra=extra)


def _from_html(path: Path, html: str, encoding: str) -> Document | IngestFailure:
    spath = str(path)
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    try:
        result = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"original_date": True, "extensive_search": False,
                                    "max_date": (date.today() + timedelta(days=1)).isoformat()},
        )
    except Exception:  # noqa: BLE001 - trafilatura/lxml raise many kinds on hopeless markup
        result = None
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        return IngestFailure(spath, "HTML has no extractable article text")

    extra: dict = {"format": "html"}
    if encoding != "utf-8":
        extra["encoding"] = encoding
    published = None
    raw_date = getattr(result, "date", None)
    if raw_date:
        published = _parse_date(raw_date)
        if published is None:
            extra["metadata_date"] = raw_date
    return Document(
        id=path.stem,
        text=_normalise_newlines(text),
        source_path=spath,
        title=_clean_str(getattr(result, "title", None)),
        url=_clean_str(getattr(result, "url", None)),
        outlet=_clean_str(getattr(result, "sitename", None)),
        published=published,
        published_source="metadata" if published else None,
        published_confidence=1.0 if published else None,
        extra=extra,
    )


# --------------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------------


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[Document | IngestFailure]:
    spath = str(path)
    seen: dict[str, int] = {}
    n_records = 0
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
        if not head:
            yield IngestFailure(spath, "empty file")
            return
        what = _sniff_binary(head)
        if what is not None:
            yield IngestFailure(spath, f"binary content (looks like {what})" if what else "binary content")
            return
        f.seek(0)
        lineno = 0
        while True:
            raw = f.readline(max_bytes + 1)
            if not raw:
                break
            lineno += 1
            if len(raw) > max_bytes and not raw.endswith(b"\n"):
                size = len(raw)
                while True:  # skip the rest of the oversized line without holding it in memory
                    chunk = f.readline(_MIB)
                    size += len(chunk)
                    if not chunk or chunk.endswith(b"\n"):
                        break
                n_records += 1
                yield IngestFailure(
                    spath,
                    f"record is {_human(size)}, larger than the {_human(max_bytes, limit=True)} limit",
                    lineno,
                )
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue  # blank lines are allowed (e.g. a trailing newline)
            n_records += 1
            yield _jsonl_record(spath, lineno, raw, seen)
    if n_records == 0:
        yield IngestFailure(spath, "no records (only blank lines)")


def _jsonl_record(spath: str, lineno: int, raw: bytes, seen: dict[str, int]) -> Document | IngestFailure:
    def fail(msg: str) -> IngestFailure:
        return IngestFailure(spath, msg, lineno)

    raw = raw.rstrip(b"\r\n")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return fail(f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        msg = e.msg[:-3] if e.msg.endswith(" at") else e.msg  # "Invalid control character at"
        return fail(f"invalid JSON ({msg} at column {e.colno})")
    if not isinstance(rec, dict):
        return fail(f"record is not an object (got {_json_type(rec)})")

    rid = rec.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        return fail("record has no 'id'")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        return fail(f"'id' must be a string or integer (got {_json_type(rid)})")
    rid = str(rid).strip()
    if "text" not in rec or rec["text"] is None:
        return fail("record has no 'text'")
    text = rec["text"]
    if not isinstance(text, str):
        return fail(f"'text' is not a string (got {_json_type(text)})")
    if not text.strip():
        return fail("record has empty 'text'")
    if rid in seen:
        return fail(f"duplicate id {rid!r} (first seen at line {seen[rid]})")
    seen[rid] = lineno

    extra = {k: v for k, v in rec.items() if k not in _JSONL_KNOWN}
    raw_date = rec.get("date")
    date_key = "date"
    if raw_date in (None, ""):
        raw_date, date_key = rec.get("published"), "published"
    published = _parse_date(raw_date) if raw_date not in (None, "") else None
    if raw_date not in (None, "") and published is None:
        extra[date_key] = raw_date  # unparseable: keep it for the analyst
    outlet = rec.get("source")
    if outlet in (None, ""):
        outlet = rec.get("outlet")
    return Document(
        id=rid,
        text=_normalise_newlines(text),
        source_path=spath,
        title=_clean_str(rec.get("title")),
        url=_clean_str(rec.get("url")),
        outlet=_clean_str(outlet),
        published=published,
        published_source="metadata" if published else None,
        published_confidence=1.0 if published else None,
        line=lineno,
        extra=extra,
    )


def _json_type(v: object) -> str:
    if v is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(v), type(v).__name__
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _sniff_binary(head: bytes) -> str | None:
    """None if `head` looks like text; else a description ("" when the kind is unknown)."""
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text: reported by the decoder, not as binary
    for magic, offset, name in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return name
    if re.match(rb"BZh[1-9]1AY&SY", head):
        return "bzip2 archive"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[head[8:12]]
    if b"\x00" in head:
        if head.startswith(b"MZ"):
            return "Windows executable"
        if head.startswith(b"BM"):
            return "BMP image"
        return ""
    ctrl = sum(head.count(bytes([b])) for b in _CTRL_BYTES)
    if ctrl > 0.1 * len(head) and ctrl >= 4:
        return ""
    return None


def _decode(data: bytes, html: bool) -> tuple[str | None, str, str | None]:
    """(text, encoding, error). UTF-8 only, except HTML that declares another charset."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "", "not valid UTF-8 (UTF-16 byte-order mark; re-save the file as UTF-8)"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as e:
        bad, offset = data[e.start], e.start
    if html:
        m = _META_CHARSET_RE.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii", "replace").lower()
            if declared not in ("utf-8", "utf8"):
                try:
                    return data.decode(declared), declared, None
                except (LookupError, UnicodeDecodeError):
                    pass
    return None, "", f"not valid UTF-8 (byte 0x{bad:02x} at offset {offset}; {_guess_encoding(data)})"


def _guess_encoding(data: bytes) -> str:
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            guess = best.encoding.replace("_", "-")
    except Exception:  # noqa: BLE001 - the guess is only a hint
        guess = None
    if guess in (None, "cp1252", "latin-1", "iso8859-1", "iso8859-15", "cp1250"):
        try:
            data.decode("cp1252")
            return "looks like cp1252/latin-1"
        except UnicodeDecodeError:
            return "looks like latin-1" if guess is None else f"looks like {guess}"
    return f"looks like {guess}"


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _clean_str(v: object) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _human(n: int, limit: bool = False) -> str:
    if n >= _MIB:
        v = f"{n / _MIB:.1f}"
        unit = "MB"
    elif n >= 1024:
        v = f"{n / 1024:.1f}"
        unit = "KB"
    else:
        return f"{n} B"
    if limit and v.endswith(".0"):
        v = v[:-2]
    return f"{v} {unit}"


