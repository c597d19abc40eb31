"""Name normalisation shared by resolution and evaluation.

Two strengths:
- `match_key`: exactly what the gold format (FORMAT.md) prescribes for comparing names: case-folded,
  accents and apostrophes removed, hyphens and spaces collapsed, a leading "the" dropped.
- `fold_key`: stronger, for looking names up in a pack: also folds transliteration variants that
  reporting uses interchangeably (al-/el-/ash-/as-..., doubled letters, Hay'at/Hayat/Hayyat, -i/-y).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

_APOSTROPHES = "'’‘ʿʾ`´ʼ"
_APOS_RE = re.compile(f"[{_APOSTROPHES}]")
_DASH_SPACE_RE = re.compile(r"[\s\-‐‑‒–—_]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_key(name: str) -> str:
    """FORMAT.md's normalisation: 'The Hay’at-Tahrir al Sham' -> 'hayattahriralsham'."""
    s = strip_accents(name).casefold().strip()
    s = _APOS_RE.sub("", s)
    s = re.sub(r"^the\s+", "", s)
    return _DASH_SPACE_RE.sub("", s)


# Arabic article forms written before a word: al-, el-, ul-, and the sun-letter assimilations.
_ARTICLE_RE = re.compile(r"\b(?:al|el|ul|ad|ar|as|ash|at|ath|az|an|ud|ut)[\s\-]+(?=\w)")
_DOUBLE_RE = re.compile(r"([a-z])\1+")


def _folded(name: str, article_re: re.Pattern, article: str) -> str:
    """What every name key starts from: no accents, case, apostrophes, leading "the" or punctuation; one
    form of the Arabic article (`article`); single letters for doubled ones."""
    s = strip_accents(name).casefold().strip()
    s = _APOS_RE.sub("", s)
    s = re.sub(r"^the\s+", "", s)
    s = article_re.sub(article, s)
    s = re.sub(r"[^\w\s\-]", " ", s)
    s = _DASH_SPACE_RE.sub("", s)
    return _DOUBLE_RE.sub(r"\1", s)


def fold_key(name: str) -> str:
    """Transliteration-insensitive key: 'Hayyat Tahrir ash-Sham' == "Hay'at Tahrir al-Sham"."""
    s = _folded(name, _ARTICLE_RE, "al ")
    # vowels vary most across transliterations (Horas/Hurras, Jaish/Jaysh, Suqour/Suqur)
    s = s.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("ai", "ay")
    s = re.sub(r"(?<=\w)[iy]\b", "i", s)
    return s


def slug(text: str) -> str:
    """'The Liwa Fursan al-Tilal' -> 'liwa-fursan-al-tilal' (a stable id part; never empty)."""
    s = re.sub(r"^the\s+", "", strip_accents(text).strip(), flags=re.I).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:120] if s else hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def provisional_id(surface: str) -> str:
    """The id of an actor no pack entry resolves: "prov:<slug of its name>" (flagged for review)."""
    return f"prov:{slug(surface)}"


# Place names: a stronger key than fold_key for the transliteration habits of Arabic toponyms. The
# article is dropped altogether (Al-Bab = Bab), q/k/g and e/a, ei/ay, ou/u, o/u are one letter, the
# feminine ending -eh/-ah/-a/-e is one ending, doubled letters are single. Two different villages can
# share a place_key, so the gazetteer tries it only after the exact (fold_key) index, and never calls
# two keys "close" unless they are equal (see Gazetteer.candidates).
_PLACE_ARTICLE_RE = re.compile(r"\b(?:al|el|ul|il|ad|ed|ar|er|as|es|ash|esh|at|et|ath|az|ez|an|en|ud|ut)[\s\-]+(?=\w)")
_PLACE_FOLDS = (
    ("ch", "sh"), ("dh", "th"), ("gh", "k"), ("ei", "ay"), ("ey", "ay"), ("ai", "ay"), ("aa", "a"), ("ou", "u"), ("oo", "u"),
    ("ee", "i"), ("ie", "i"), ("q", "k"), ("g", "k"), ("e", "a"), ("o", "u"), ("w", "u"),
)


def place_key(name: str) -> str:
    """Transliteration-tolerant key of a place name: "Ma'arat al-Nu'man" == "Maarat Al Numan" == "Maarrat an-Nouman"."""
    s = _folded(name, _PLACE_ARTICLE_RE, "")
    for a, b in _PLACE_FOLDS:
        s = s.replace(a, b)
    s = re.sub(r"(?<=\w)(?:ah|a|h)$", "a", s)  # -eh/-ah/-a/-e (e is a by now)
    s = re.sub(r"(?<=\w)[iy]$", "i", s)
    s = _DOUBLE_RE.sub(r"\1", s)
    return s


def place_skeleton(name: str) -> str:
    """place_key without its inner vowels ("Saraqeb" = "Saraqib" = "srkb"); "" for short names.

    Looser still: used only for keys of 6+ letters, and only when the name has no place_key match."""
    k = place_key(name)
    if len(k) < 6:
        return ""
    return k[0] + re.sub(r"[aeiouy]", "", k[1:])
