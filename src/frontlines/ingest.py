"""Read raw reporting from disk: text files, HTML pages, JSONL corpora and directories of them.

`iter_documents` yields one `Document` per article, or an `IngestFailure` with a one-line
reason for anything it cannot read; a bad input never stops the iteration.

* Plain text (.txt, .text, .md, no extension): decoded strictly as UTF-8 (a BOM is dropped),
  line endings normalised to "\\n". Content that is really HTML is sniffed and handled as HTML.
* HTML (.html, .htm): main text and metadata (title, date, url, sitename -> outlet) via trafilatura.
* JSONL (.jsonl, .ndjson): streamed line by line; one JSON object per line with `id`, `text`, and
  optionally `title`, `url`, `source`/`outlet`, `date`/`published`; every other key goes to `extra`.
* Directories: walked recursively in sorted order without following symbolic links to directories.
  Hidden entries and README/LICENSE-like files (documentation beside a corpus) are skipped silently;
  everything else that is not read is reported as a failure with its reason: files with a binary
  extension or binary content, symbolic links to directories (not followed), link loops, broken
  links, FIFOs/sockets/devices (refused from `stat`, never opened) and folders that cannot be listed.

Document ids: a file named directly gets its stem (`000_x.txt` -> `000_x`); a file found while walking
a folder gets its path relative to that folder, without extension, with `/` between parts
(`root/000_x.txt` -> `000_x`, `root/other/000_x.txt` -> `other/000_x`). Two different files that still
get the same id within one call are told apart by a tag of their absolute path (`000_x~1a2b3c4d`,
see `disambiguated_id`). JSONL records keep their explicit ids; a repeated one is a failure.
`Document.source_path` is the absolute path of the file (compared across runs by the store).

The publication date is taken from metadata only (`published_source="metadata"`); when there is none,
`published` stays None for a later stage to infer from the text.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from .dates import parse_metadata_date as _parse_date
from .models import Document, IngestFailure, disambiguated_id, has_surrogates, real_path

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

# JSONL records: how deeply values may nest, and the longest id accepted.
MAX_JSON_DEPTH = 64
MAX_ID_CHARS = 255
_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


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
        st, problem = _stat_named(path)
        if problem is not None:
            yield IngestFailure(str(path), problem)
        elif stat.S_ISDIR(st.st_mode):
            yield from _iter_directory(path, max_bytes, seen_ids, seen_files)
        else:
            yield from _dedupe_file(path, _safe_stem(path.name), max_bytes, seen_ids, seen_files)


def count_inputs(paths: Iterable[str | Path] | str | Path) -> int:
    """Cheap estimate of how many items `iter_documents` will yield (files + JSONL lines, blank lines included)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    total = 0
    for raw in paths:
        path = Path(raw)
        st, problem = _stat_named(path)
        if problem is not None:
            total += 1
        elif stat.S_ISDIR(st.st_mode):
            n = 0
            for item in _walk(path):
                if isinstance(item, IngestFailure):
                    n += 1
                elif _dir_candidate(item) != (False, None):
                    n += _count_file(item)
            total += n or 1
        else:
            total += _count_file(path)
    return total


def _count_file(path: Path) -> int:
    if path.suffix.lower() not in JSONL_EXTS:
        return 1
    n = 0
    last = b"\n"
    try:
        with _open_regular(path) as f:
            while chunk := f.read(_MIB):
                n += chunk.count(b"\n")
                last = chunk[-1:]
    except (OSError, _NotRegular):
        return 1
    return max(1, n + (last != b"\n"))


# --------------------------------------------------------------------------------------------
# Opening files safely: never open a FIFO, socket or device (a FIFO blocks forever)
# --------------------------------------------------------------------------------------------


class _NotRegular(Exception):
    pass


_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def _not_regular(mode: int) -> str | None:
    """None for a regular file, else why it is refused."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    for test, what in _KINDS:
        if test(mode):
            return f"not a regular file ({what}); not opened"
    return "not a regular file; not opened"


def _open_regular(path: Path):
    """Open a regular file for binary reading; `_NotRegular` (never blocking) for anything else."""
    why = _not_regular(os.stat(path).st_mode)
    if why is not None:
        raise _NotRegular(why)
    # O_NONBLOCK: should the file be swapped for a FIFO after the stat, open() still returns at once.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    try:
        why = _not_regular(os.fstat(fd).st_mode)
        if why is not None:
            raise _NotRegular(why)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _oserror(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied"
    if e.errno == errno.ELOOP:
        return "symbolic link loop"
    return e.strerror or type(e).__name__


def _stat_named(path: Path) -> tuple[os.stat_result | None, str | None]:
    """stat a path named by the caller: (stat, None), or (None, why it cannot be read)."""
    try:
        return os.stat(path), None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, "symbolic link loop"
        if isinstance(e, FileNotFoundError) or e.errno == errno.ENOTDIR:
            return None, "broken symbolic link" if os.path.islink(path) else "no such file or directory"
        return None, f"cannot read ({_oserror(e)})"
    except ValueError as e:  # e.g. an embedded NUL byte
        return None, f"invalid path ({e})"


def _safe_stem(name: str) -> str:
    return Path(name).stem or name


# --------------------------------------------------------------------------------------------
# Directories
# --------------------------------------------------------------------------------------------


def _scandir(path: Path) -> list[tuple[str, str]]:
    """(name, path) of a folder's entries; OSError when it cannot be listed (a seam for tests)."""
    with os.scandir(path) as it:
        return [(e.name, e.path) for e in it]


def _walk(root: Path) -> Iterator[Path | IngestFailure]:
    """Regular files under root (and symbolic links to regular files), depth first, sorted by name;
    hidden entries skipped; every other entry that is not walked or read reported as an IngestFailure.
    Symbolic links to directories are not followed, so a link loop cannot trap the walk."""
    try:
        entries = sorted(_scandir(root))
    except OSError as e:
        yield IngestFailure(str(root), f"cannot list directory ({_oserror(e)})")
        return
    stack = [iter(entries)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        name, spath = entry
        if name.startswith("."):
            continue
        path = Path(spath)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                try:
                    st = os.stat(path)
                except OSError as e:
                    if e.errno == errno.ELOOP:
                        why = "symbolic link loop; not followed"
                    elif isinstance(e, FileNotFoundError) or e.errno == errno.ENOTDIR:
                        why = "broken symbolic link"
                    else:
                        why = f"cannot follow symbolic link ({_oserror(e)})"
                    yield IngestFailure(str(path), why)
                    continue
                if stat.S_ISDIR(st.st_mode):
                    yield IngestFailure(str(path), "symbolic link to a directory; not followed (name the directory itself to read it)")
                    continue
        except OSError as e:
            yield IngestFailure(str(path), f"cannot read ({_oserror(e)})")
            continue
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = sorted(_scandir(path))
            except OSError as e:
                yield IngestFailure(str(path), f"cannot list directory ({_oserror(e)})")
                continue
            stack.append(iter(sub))
            continue
        why = _not_regular(st.st_mode)
        if why is not None:
            yield IngestFailure(str(path), why)
            continue
        yield path


def _dir_candidate(path: Path) -> tuple[bool, str | None]:
    """Should a regular file met while walking a directory be read? (Named files are always read.)
    (False, None): documentation, skipped silently; (False, reason): skipped and reported."""
    ext = path.suffix.lower()
    if _DOC_FILE_RE.match(path.name):
        return False, None
    if ext in BINARY_EXTS:
        return False, f"not a document (binary file type {ext}); skipped"
    if ext in TEXT_EXTS or ext in HTML_EXTS or ext in JSONL_EXTS:
        return True, None
    # Unknown extension: read it only if it looks like text.
    try:
        with _open_regular(path) as f:
            head = f.read(_SNIFF_BYTES)
    except (OSError, _NotRegular):
        return True, None  # let the reader report why it cannot be opened
    what = _sniff_binary(head)
    if what is None:
        return True, None
    kind = f"looks like {what}" if what else "binary content"
    return False, f"not a document ({kind}, unknown extension {ext or '(none)'}); skipped"


def _dir_doc_id(root: Path, path: Path) -> str:
    """`other/000_x` for root/other/000_x.txt: the path under the walked folder, without extension."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    return "/".join([*parts[:-1], _safe_stem(parts[-1])])


def _iter_directory(
    root: Path, max_bytes: int, seen_ids: dict[str, str], seen_files: set[str]
) -> Iterator[Document | IngestFailure]:
    n_files = n_skipped = n_docs = n_failed = n_repeat = 0
    for path in _walk(root):
        n_files += 1
        if isinstance(path, IngestFailure):
            n_failed += 1
            yield path
            continue
        try:
            ok, why = _dir_candidate(path)
        except Exception as e:  # noqa: BLE001 - one odd file never stops the walk
            ok, why = False, f"cannot read file ({type(e).__name__}: {e})"
        if not ok:
            if why is None:
                n_skipped += 1
            else:
                n_failed += 1
                yield IngestFailure(str(path), why)
            continue
        produced = False
        for item in _dedupe_file(path, _dir_doc_id(root, path), max_bytes, seen_ids, seen_files):
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
            detail = f" ({_plural(n_skipped, 'file')} skipped: not a document)"
        else:
            detail = f" ({n_failed} failed, {n_skipped} skipped)"
        yield IngestFailure(str(root), "no documents found" + detail)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _dedupe_file(
    path: Path, doc_id: str, max_bytes: int, seen_ids: dict[str, str], seen_files: set[str]
) -> Iterator[Document | IngestFailure]:
    key = real_path(str(path))
    if key in seen_files:  # the same file named twice (e.g. explicitly and inside a directory)
        return
    seen_files.add(key)
    try:
        for item in _read_file(path, doc_id, max_bytes):
            if isinstance(item, Document):
                first = seen_ids.get(item.id)
                if first is not None and item.line is None:
                    # A different file with the same natural id: a file is its own document.
                    item.id = disambiguated_id(item.id, item.source_path)
                    first = seen_ids.get(item.id)
                where = f"{item.source_path}:{item.line}" if item.line else item.source_path
                if first is not None:
                    if item.line and first.startswith(f"{item.source_path}:"):
                        first_where = "line " + first.rsplit(":", 1)[1]
                    else:
                        first_where = first
                    yield IngestFailure(str(path), f"duplicate id {item.id!r} (first seen at {first_where})", item.line)
                    continue
                seen_ids[item.id] = where
            yield item
    except Exception as e:  # noqa: BLE001 - whatever goes wrong in one file fails that file only
        yield IngestFailure(str(path), f"cannot read file ({type(e).__name__}: {e})")


def _read_file(path: Path, doc_id: str, max_bytes: int) -> Iterator[Document | IngestFailure]:
    spath = str(path)
    ext = path.suffix.lower()
    try:
        if ext in JSONL_EXTS:
            yield from _read_jsonl(path, max_bytes)
            return
        with _open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                yield IngestFailure(spath, f"file is {_human(size)}, larger than the {_human(max_bytes, limit=True)} limit")
                return
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # grew after the stat
            yield IngestFailure(spath, f"file is larger than the {_human(max_bytes, limit=True)} limit")
            return
    except _NotRegular as e:
        yield IngestFailure(spath, str(e))
        return
    except PermissionError:
        yield IngestFailure(spath, "permission denied")
        return
    except IsADirectoryError:
        yield IngestFailure(spath, "is a directory")
        return
    except OSError as e:
        yield IngestFailure(spath, f"cannot read file ({_oserror(e)})")
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
        yield _from_html(spath, _abs(path), doc_id, text, encoding)
        return

    extra = {"encoding": encoding} if encoding != "utf-8" else {}
    yield Document(id=doc_id, text=_normalise_newlines(text), source_path=_abs(path), extra=extra)


def _abs(path: Path) -> str:
    """The absolute path stored as `Document.source_path` (symbolic links kept as named)."""
    return os.path.abspath(path)


def document_from_html(data: bytes, doc_id: str, source: str, *, url: str | None = None,
                       charset: str | None = None) -> Document | IngestFailure:
    """A web page's bytes (e.g. fetched by `frontlines watch`) as a Document, read like an HTML file:
    main text and metadata by trafilatura. `source` (the page's URL) is its source_path and names it in
    a failure; `charset` is the one the server declared, tried when the bytes are not UTF-8."""
    if not data:
        return IngestFailure(source, "empty page")
    what = _sniff_binary(data[:_SNIFF_BYTES])
    if what is not None:
        return IngestFailure(source, f"binary content (looks like {what})" if what else "binary content")
    text, encoding, err = _decode(data, html=True)
    if err and charset:
        try:
            text, encoding, err = data.decode(charset), charset.lower(), None
        except (LookupError, UnicodeDecodeError):
            pass
    if err:
        return IngestFailure(source, err)
    assert text is not None
    return _from_html(source, source, doc_id, text, encoding, url=url)


def _from_html(spath: str, source_path: str, doc_id: str, html: str, encoding: str,
               url: str | None = None) -> Document | IngestFailure:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    try:
        result = trafilatura.bare_extraction(
            html,
            url=url,
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
    author = _clean_str(getattr(result, "author", None))
    if author:
        extra["author"] = author
    published = None
    raw_date = getattr(result, "date", None)
    if raw_date:
        published = _parse_date(raw_date)
        if published is None:
            extra["metadata_date"] = raw_date
    return Document(
        id=doc_id,
        text=_normalise_newlines(text),
        source_path=source_path,
        title=_clean_str(getattr(result, "title", None)),
        url=_clean_str(getattr(result, "url", None)) or url,
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
    with _open_regular(path) as f:
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
            try:
                yield _jsonl_record(spath, lineno, raw, seen, _abs(path))
            except Exception as e:  # noqa: BLE001 - one bad record fails that record only
                yield IngestFailure(spath, f"invalid record ({type(e).__name__}: {e})", lineno)
    if n_records == 0:
        yield IngestFailure(spath, "no records (only blank lines)")


def _json_depth_exceeds(line: str, limit: int) -> bool:
    """Does any value nest deeper than `limit`? (iterative: safe on 100,000 nested arrays)"""
    if line.count("[") + line.count("{") <= limit:
        return False
    depth = 0
    for m in _JSON_TOKEN_RE.finditer(line):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def _surrogate_field(rec: dict) -> str | None:
    """The key (dotted) of the first string in `rec` holding a lone surrogate, if any."""
    stack: list[tuple[str, object]] = [(str(k), v) for k, v in rec.items()]
    stack.extend((f"{k} (key)", k) for k in rec)
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if has_surrogates(v):
                return where.removesuffix(" (key)")
        elif isinstance(v, dict):
            stack.extend((f"{where}.{k}", x) for k, x in v.items())
            stack.extend((f"{where}.{k} (key)", k) for k in v)
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", x) for i, x in enumerate(v))
    return None


def _jsonl_record(spath: str, lineno: int, raw: bytes, seen: dict[str, int], source_path: str | None = None) -> Document | IngestFailure:
    def fail(msg: str) -> IngestFailure:
        return IngestFailure(spath, msg, lineno)

    raw = raw.rstrip(b"\r\n")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return fail(f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})")
    if _json_depth_exceeds(line, MAX_JSON_DEPTH):
        return fail(f"nested too deep (more than {MAX_JSON_DEPTH} levels)")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        msg = e.msg[:-3] if e.msg.endswith(" at") else e.msg  # "Invalid control character at"
        return fail(f"invalid JSON ({msg} at column {e.colno})")
    except RecursionError:
        return fail(f"nested too deep (more than {MAX_JSON_DEPTH} levels)")
    except ValueError as e:
        if "digits" in str(e):  # "Exceeds the limit (4300 digits) for integer string conversion"
            return fail("number too large (more than 4300 digits)")
        return fail(f"invalid record ({e})")
    if not isinstance(rec, dict):
        return fail(f"record is not an object (got {_json_type(rec)})")
    if _SURROGATE_ESCAPE_RE.search(line):  # "\ud800" parses, but is no character: SQLite cannot store it
        where = _surrogate_field(rec)
        if where is not None:
            return fail(f"invalid record (lone surrogate escape in {where!r}: not valid Unicode)")

    rid = rec.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        return fail("record has no 'id'")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        return fail(f"'id' must be a string or integer (got {_json_type(rid)})")
    rid = str(rid).strip()
    if len(rid) > MAX_ID_CHARS:
        return fail(f"'id' is longer than {MAX_ID_CHARS} characters")
    if "text" not in rec or rec["text"] is None:
        return fail("record has no 'text'")
    text = rec["text"]
    if not isinstance(text, str):
        return fail(f"'text' is not a string (got {_json_type(text)})")
    if not text.strip():
        return fail("record has empty 'text'")
    if rid in seen:
        return fail(f"duplicate id {rid!r} (first seen at line {seen[rid]})")

    extra = {k: v for k, v in rec.items() if k not in _JSONL_KNOWN}
    raw_date = rec.get("date")
    date_key = "date"
    if raw_date in (None, ""):
        raw_date, date_key = rec.get("published"), "published"
    try:
        published = _parse_date(raw_date) if raw_date not in (None, "") else None
    except Exception as e:  # noqa: BLE001 - e.g. OverflowError on a 400-digit number
        return fail(f"invalid record ('{date_key}' is not a date: {type(e).__name__})")
    if raw_date not in (None, "") and published is None:
        extra[date_key] = raw_date  # unparseable: keep it for the analyst
    outlet = rec.get("source")
    if outlet in (None, ""):
        outlet = rec.get("outlet")
    seen[rid] = lineno
    return Document(
        id=rid,
        text=_normalise_newlines(text),
        source_path=source_path or spath,
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


