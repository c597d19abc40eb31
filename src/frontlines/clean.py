"""Remove web boilerplate (comments, spam, widgets, site chrome) from plain article text.

No library does this for *plain* text (trafilatura and friends need the HTML tree), so this is a
small line classifier built from general signals rather than a list of strings:

1. The text is cut into lines (``\\n``, ``\\r\\n`` or ``\\r``); every decision covers whole lines.
2. **Section rule.**  The earliest *comment-section start* found after the article body has begun
   removes everything from there to the end.  Three independent detectors propose a start:

   * a comment-section marker line in general form (``^\\d+ comments``, "comment policy",
     "notify of", "view all comments", "newest/oldest/most voted", "leave a reply",
     "required field", ...), on a short line, after at least one prose line;
   * a threaded reply structure: >= 2 bullet lines (``•``, ``-``, ``*`` ...) holding a short
     name whose next line is indented deeper (the reply layout of Disqus/WordPress exports);
   * a change point: every line gets a comment-vs-article evidence score (username header
     followed by informal text, informal text, reply/time-stamp chrome: positive; news prose
     with reporting verbs: negative); the maximal suffix sum must reach ``_CHANGE_POINT_MIN``
     with >= 2 username/bullet headers in it.

3. **Line rules** for the body before the section: spam score (money per hour, URLs, symbol
   runs, work-from-home wording), player text, image chrome, share/rating prompts, donation
   widgets (money-only lines, month+year next to them, "Support X"/"Donate"), site chrome
   vocabulary, a comment marker met before the body, short non-sentence lines before the
   headline or after the last prose line, and short non-sentence lines repeated in the text.

The output keeps the input's length: removed characters become spaces, line breaks stay, so
offsets in the cleaned text are offsets in the raw text.  Everything runs line by line with
linear regexes (long lines skip the short-line checks), so the cost is linear in the text length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import CleanedText, RemovedSpan

__all__ = ["clean_text"]

# Lines longer than this are never "short-line" boilerplate and skip the costlier checks.
_SHORT_CHARS = 300
# Spam/informal checks look at lines up to this length only (keeps regex work bounded).
_CHECK_CHARS = 5000
# Maximal suffix evidence needed before the change-point detector declares a comment tail.
_CHANGE_POINT_MIN = 6
# Spam score threshold (see _spam_signals).
_SPAM_MIN = 3

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_TERMINAL_RE = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass
class _Line:
    idx: int
    start: int  # offset of the first character
    end: int  # offset just past the last character (line break excluded)
    text: str
    indent: int
    stripped: str
    words: int  # word count (capped estimate for very long lines)
    spam: list[str] | None = field(default=None, repr=False)  # _spam_signals, computed once

    @property
    def blank(self) -> bool:
        return not self.stripped

    @property
    def short(self) -> bool:
        return len(self.stripped) <= _SHORT_CHARS


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for m in _NEWLINE_RE.finditer(text):
        lines.append(_make_line(len(lines), pos, m.start(), text[pos : m.start()]))
        pos = m.end()
    lines.append(_make_line(len(lines), pos, len(text), text[pos:]))
    return lines


def _make_line(idx: int, start: int, end: int, s: str) -> _Line:
    stripped = s.strip()
    indent = len(s) - len(s.lstrip())
    if len(stripped) <= _CHECK_CHARS:
        words = len(stripped.split())
    else:  # a huge line: estimate instead of materialising millions of words
        words = max(1, stripped.count(" ", 0, _CHECK_CHARS) * (len(stripped) // _CHECK_CHARS))
    return _Line(idx, start, end, s, indent, stripped, words)


# ---------------------------------------------------------------------------------------------
# Shape features
# ---------------------------------------------------------------------------------------------


def _is_sentence(ln: _Line) -> bool:
    """Ends like a sentence (. ! ? …, optionally closed by a quote/bracket)."""
    return bool(_SENTENCE_END_RE.search(ln.stripped[-12:]))


def _is_short_fragment(ln: _Line, max_words: int = 3) -> bool:
    """A few words without terminal punctuation: menu items, logos, widget labels, tags."""
    return 0 < ln.words <= max_words and ln.short and not _TERMINAL_RE.search(ln.stripped)


def _is_prose(ln: _Line) -> bool:
    """A body-text line: long enough and shaped like sentences."""
    return ln.words >= 12 and (_is_sentence(ln) or ln.words >= 25)


def _is_substantial(ln: _Line) -> bool:
    """The first such line is taken as the headline: anything short above it is page chrome."""
    return ln.words >= 4


# ---------------------------------------------------------------------------------------------
# Comment-section markers (general forms of the widgets comment systems print)
# ---------------------------------------------------------------------------------------------

_COMMENT_MARKERS: list[tuple[re.Pattern[str], str]] = [
    # "0 Comment(s)", "12 comments", "3 replies", "5 responses to ...", "4 thoughts on ..."
    (re.compile(r"^\d[\d,]*\s*(comments?|comment\(s\)|replies|responses?|thoughts)\b"), "comment count"),
    (re.compile(r"^(comments?|comment\(s\)|discussion|reader comments)\s*(\(\d+\)|\d+)?\s*:?$"), "comments heading"),
    (re.compile(r"\bcomment (policy|guidelines|rules)\b"), "comment policy"),
    (re.compile(r"\b(denotes )?required fields?\b|\brequired fields are marked\b"), "comment form: required field"),
    (re.compile(r"^notify (me )?of\b"), "comment widget: notify of"),
    (re.compile(r"\b(view|show|load|see) (all|more|\d+) (comments|replies)\b"), "comment widget: view comments"),
    (re.compile(r"\b(newest|oldest|latest)\b.{0,20}\b(most voted|oldest|newest|first|best|top)\b"), "comment sort widget"),
    (re.compile(r"^sort by\b.{0,20}\b(best|newest|oldest|top)\b"), "comment sort widget"),
    (re.compile(r"\binline feedbacks?\b"), "comment widget: inline feedback"),
    (
        re.compile(
            r"\b(leave|post|add|write) a (reply|comment)\b|\bjoin the (discussion|conversation)\b"
            r"|\bcomments are closed\b|\blog ?in to (comment|reply)\b|\bwould love your thoughts\b"
            r"|\bplease comment\b|\bbe the first to comment\b|\bcancel reply\b"
        ),
        "comment form prompt",
    ),
    (re.compile(r"\bcharacters? (left|remaining)\b"), "comment form: character counter"),
]


def _comment_marker(ln: _Line) -> str | None:
    """A short line that is a comment widget / form / count: strongest sign the body has ended."""
    if not ln.short or ln.words > 12:
        return None
    low = ln.stripped.lower()
    for rx, why in _COMMENT_MARKERS:
        if rx.search(low):
            return why
    return None


# ---------------------------------------------------------------------------------------------
# Comment-likeness (username headers, reply bullets, informal writing, comment chrome)
# ---------------------------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^\s*[•·▪‣◦●○■□➤►▸\-*–—]\s+(\S.*)$")
_USERNAME_RE = re.compile(r"^[^\W_][\w.'’\-() @]{0,47}$")
_MONTH = r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)"
_MONTH_YEAR_RE = re.compile(rf"^{_MONTH}\.?\s+\d{{4}}$", re.I)
# A quote ends at the first closing mark; it cannot hold another opening “ (each “ of a run of
# unclosed ones otherwise rescans up to 2000 characters: quadratic within a line).
_QUOTED_RE = re.compile(r"“[^“”\n]{0,2000}”|\"[^\"\n]{0,2000}\"")
# First/second person, chat words, emoticons: how commenters write and news prose (outside quotes) doesn't.
_INFORMAL_RE = re.compile(
    r"\b(I|I'm|I’m|I've|I’ve|I'd|I’d|me|my|you|your|you're|you’re|u|ur|lol|lmao|imo|imho|btw|thanks|thx|"
    r"reckon|wtf|omg)\b|[:;]-?[()DPp]\B|[!?]{2,}|\?$",
)
_INFORMAL_CI_RE = re.compile(r"\b(you|your|lol|lmao|imo|imho|btw|thanks|thx|wtf|omg)\b", re.I)
# Reporting verbs / attribution: the backbone of news prose.
_REPORTING_RE = re.compile(
    r"\b(said|says|told|according to|reported|reports|announced|stated|added|claimed|confirmed|"
    r"noted|explained|accused|killed|wounded|attacked|captured|forces|militants|ministry|officials?)\b",
    re.I,
)
# Comment-system chrome: relative timestamps, "Reply", votes, "Report", "Flag".
_COMMENT_CHROME_RE = re.compile(
    r"^(reply|report|flag|share|like|upvote|downvote|\d+\s*(likes?|upvotes?|points?|votes?)|"
    r"(log ?in to )?reply\b.*|\d+\s+(second|minute|hour|day|week|month|year)s?\s+ago.*|"
    r".{0,40}\b(at|@)\s+\d{1,2}:\d{2}\s*(am|pm)?)$",
    re.I,
)


def _bullet_header(ln: _Line, nxt: _Line | None) -> bool:
    """`• name` followed by a deeper-indented line: the reply layout of threaded comments.

    A plain bulleted list in an article keeps the same indentation from item to item, so the
    indentation step is what separates a reply thread from a list."""
    if not ln.short or nxt is None:
        return False
    m = _BULLET_RE.match(ln.text)
    if not m:
        return False
    rest = m.group(1).strip()
    if len(rest) > 50 or len(rest.split()) > 5 or _TERMINAL_RE.search(rest) or not _USERNAME_RE.match(rest):
        return False
    return nxt.indent > ln.indent


def _username_like(ln: _Line) -> bool:
    """1-4 tokens, no sentence punctuation, not a number/date: how a comment author line looks."""
    s = ln.stripped
    if not (1 <= ln.words <= 4) or len(s) > 48 or _TERMINAL_RE.search(s):
        return False
    if _MONTH_YEAR_RE.match(s) or _money_only(s) or s.isdigit():
        return False
    return bool(_USERNAME_RE.match(s))


def _informal(ln: _Line) -> bool:
    """Writing addressed to others in the first/second person (quotes removed first)."""
    if len(ln.stripped) > _CHECK_CHARS:
        return False
    s = _QUOTED_RE.sub(" ", ln.stripped).strip()
    if not s:
        return False
    if _INFORMAL_RE.search(s) or _INFORMAL_CI_RE.search(s):
        return True
    # Starts lowercase (commenters skip capitals; news sentences never do).  Checked on the raw
    # line: a sentence that opens with a quote continues in lowercase ('"...," he said.').
    return ln.stripped[0].islower() and ln.words >= 3


def _article_like(ln: _Line) -> bool:
    """News prose: a long sentence-shaped line with reporting cues and no informal cues."""
    return _is_prose(ln) and not _informal(ln) and bool(_REPORTING_RE.search(ln.stripped[:_CHECK_CHARS]))


# ---------------------------------------------------------------------------------------------
# Spam, player, image chrome, share prompts, donation widgets, site chrome
# ---------------------------------------------------------------------------------------------

_URL_RE = re.compile(r"(https?://|www\.)\S+", re.I)
_ODD_URL_RE = re.compile(r"https?://[^\s/]+/\S*[$!:=>]", re.I)
# An amount is read from the start of its run of digits/separators only ((?<![\d,.]), then the
# run taken possessively): starting inside "1234567890..." at every digit and backtracking through
# the rest of the run was quadratic on long digit runs (a 5000-digit line took 0.7 s).  A currency
# word never starts with a digit, comma or dot, so the possessive run matches what the greedy one did.
_MONEY_RATE_RE = re.compile(
    r"([$€£]\s?\d|(?<![\d,.])(?>[.,]*)\d[\d,.]*+\s?(\$|€|£|usd|us dollars|dollars|bucks))[^\n]{0,30}?"
    r"(per\s*+/?+\s*+(hour|hr|h|day|week)|/\s*+(hour|hr|h)\b|an hour|a day|hourly|weekly)",
    re.I,
)
# Every rate form of _MONEY_RATE_RE holds one of these: a line without any skips the costlier search.
_RATE_HINT_RE = re.compile(r"per|/|hour|a day|weekly", re.I)
_BIG_MONEY_RE = re.compile(r"\b(million|billion|trillion|bn|mn)\b", re.I)  # budgets, not wages
_SPAM_WORDS_RE = re.compile(
    r"\b(work(ing)? from home|staying at home|easy jobs?|easy money|earn(ed|ing)?|paying|get ?paid|"
    r"make money|making \$|income|online jobs?|part[- ]time|click here|this site|visit|sign up)\b",
    re.I,
)
_SYMBOL_RE = re.compile(r"[\u2190-\u21FF\u2600-\u27BF\u2B00-\u2BFF\U0001F300-\U0001FAFF]")
_JUNK_RUN_RE = re.compile(r"([=>:!<*~])\1{3,}|=>>|<<=")


def _spam_signals(ln: _Line) -> list[str]:
    """Weighted spam cues; a line is spam at >= _SPAM_MIN points (two cues, or one strong)."""
    if ln.spam is None:  # asked by the change-point detector and by the line rules
        ln.spam = _spam_cues(ln)
    return ln.spam


def _spam_cues(ln: _Line) -> list[str]:
    s = ln.stripped
    if len(s) > _CHECK_CHARS:
        s = s[:_CHECK_CHARS]
    score, why = 0, []
    m = _MONEY_RATE_RE.search(s) if _RATE_HINT_RE.search(s) else None
    if m and not _BIG_MONEY_RE.search(m.group(0)):  # "98 US dollars per/hr": paid-to-work spam
        score += 2
        why.append("money per hour")
    if len(_SYMBOL_RE.findall(s)) >= 8:  # ♥♥♥ padding used to dodge spam filters
        score += 2
        why.append("symbol run")
    if _URL_RE.search(s):  # a link in a text line
        score += 1
        why.append("URL")
        if _ODD_URL_RE.search(s):  # link with $, =, > in its path: not an article reference
            score += 1
            why.append("odd URL")
    if _JUNK_RUN_RE.search(s):  # "=>>=>>", ":::::": obfuscation junk
        score += 1
        why.append("symbol junk")
    if len(_SPAM_WORDS_RE.findall(s)) >= 2:  # work-from-home vocabulary
        score += 1
        why.append("money-making wording")
    # at least two different cues: one odd feature alone never condemns a line
    return why if score >= _SPAM_MIN and len(why) >= 2 else []


_PLAYER_RE = re.compile(
    r"\bloading (the )?(video |audio )?player\b|\bvideo player\b|\bmedia player\b"
    r"|\byour browser does not support\b|\b(play|watch) (the )?video\b|\bskip ad\b|\bvideo will (start|play)\b"
    r"|\bthe player is loading\b|^(advertisement|ad)\s*$",
    re.I,
)
_IMAGE_CHROME_RE = re.compile(
    r"\b(click|tap)\b.{0,40}\b(image|photo|picture|enlarge|full[- ]?size|gallery|zoom)\b"
    r"|\b(view|open|expand|enlarge)\b.{0,20}\b(image|photo|gallery|slideshow)\b"
    r"|\b(image|photo|slide) \d+ (of|/) \d+\b|\bfull[- ]size image\b",
    re.I,
)
_SOCIAL = r"(facebook|twitter|x|whatsapp|telegram|email|e-mail|print|linkedin|reddit|vk|pinterest|tweet|copy link|messenger)"
_SHARE_RE = re.compile(
    r"\b(like|liked|enjoy|enjoyed|rate|share|recommend|found)\b.{0,30}\bthis (article|story|post|page|piece|video|report)\b"
    r"|^share( this| on| via)?\b.{0,40}$|\bwas this (article|story|post|page)?\s*(helpful|useful|interesting)\b"
    r"|^rate (this|the) (article|story|post)\b|\bshare (on|via) " + _SOCIAL + r"\b"
    r"|^(" + _SOCIAL + r"[\s,|/·•]*){2,}$",
    re.I,
)
_MONEY_ONLY_RE = re.compile(
    r"^(?:[$€£¥]\s?)?\d{1,3}(?:[,.\s]?\d{3}){0,4}(?:[.,]\d{1,2})?\s?(?:[$€£¥]|usd|eur|dollars?)?$", re.I
)
_DONATE_RE = re.compile(
    r"^(?i:support|donate( to)?|fund|sponsor)\s+(the\s+)?[A-Z0-9][\w.\-]*(\s+[A-Z0-9][\w.\-]*)?\s*!?$"
    r"|(?i:\bdonat(e|ion|ions)\b|\bbecome a (patron|supporter|member)\b|\bpatreon\b|\bpaypal\b"
    r"|\b(goal|raised)\s*:\s*[$€£]?\d|\bsupport (our|independent) (journalism|work)\b)",
)
_CHROME_RE = re.compile(
    r"^(skip to (main )?(content|navigation)|(main )?menu|search( for)?:?|home|logo\b.*|toggle navigation|"
    r"(sign|log) ?in|(sign|log) ?out|register|subscribe( now)?|newsletter|sign up for .*|"
    r"(related|recommended|popular|trending|latest|more) (articles?|stories|posts|news)|read more|"
    r"you may also like|most (read|popular|viewed)|(\w+ )?(tags?|topics|keywords|categories|filed under)\s*:?.*|"
    r"all rights reserved.*|©.*|copyright ©?.*|cookie.*|accept cookies|privacy policy|terms of (use|service))$",
    re.I,
)


_TAIL_BLOCK_RE = re.compile(
    r"\b(?:Print Tweet Views \d+ )?(?:Related (?:News|Articles|Stories|Posts|Content|Coverage)|You may also like|More from \w+)\b"
)


def _money_only(s: str) -> bool:
    """A line that is just an amount with a currency sign: a donation goal/progress widget."""
    return bool(re.search(r"[$€£¥]|usd|eur|dollar", s, re.I)) and bool(_MONEY_ONLY_RE.match(s))


def _line_rule(ln: _Line) -> tuple[str, str] | None:
    """Content rules that apply wherever the line sits.  Returns (kind, reason) or None."""
    spam = _spam_signals(ln)
    if spam:
        return "spam", "spam: " + ", ".join(spam)
    if not ln.short or ln.words > 14:
        return None  # every other widget is a short line; long lines are body text
    s = ln.stripped
    if _PLAYER_RE.search(s):
        return "player", "media player text"
    if _IMAGE_CHROME_RE.search(s) and ln.words <= 10:
        return "caption", "image viewer chrome"
    if _SHARE_RE.search(s) and ln.words <= 10:
        return "share_prompt", "share/rating prompt to the reader"
    if _money_only(s):
        return "donation", "money-only widget line"
    if ln.words <= 6 and _DONATE_RE.search(s):
        return "donation", "donation/support call"
    if ln.words <= 8 and _CHROME_RE.match(s):
        return "chrome", "site navigation chrome"
    return None


# ---------------------------------------------------------------------------------------------
# Section detection
# ---------------------------------------------------------------------------------------------


def _next_nonblank(lines: list[_Line], nb: list[int], k: int) -> _Line | None:
    return lines[nb[k + 1]] if k + 1 < len(nb) else None


def _thread_start(lines: list[_Line], nb: list[int], body_from: int) -> tuple[int, str] | None:
    """First reply-bullet header of a thread with >= 2 such headers, after the body began."""
    first, count = None, 0
    for k, i in enumerate(nb):
        if i <= body_from:
            continue
        if _bullet_header(lines[i], _next_nonblank(lines, nb, k)):
            count += 1
            if first is None:
                first = i
    if first is None or count < 2:
        return None
    # A reply thread is the page's tail: news prose back at the left margin after it means the
    # bullets were part of the article (an indented list), not a comment thread.
    for i in nb:
        if i > first and lines[i].indent == 0 and _article_like(lines[i]) and not _BULLET_RE.match(lines[i].text):
            return None
    return first, f"threaded replies ({count} bullet headers with indented replies)"


def _change_point(lines: list[_Line], nb: list[int], body_from: int) -> tuple[int, str] | None:
    """Maximal-suffix-sum change point between article evidence and comment evidence.

    Each non-blank line scores how much it looks like a comment (+) or like news prose (-); the
    suffix with the largest sum is the candidate comment tail.  It is accepted only when the sum
    reaches _CHANGE_POINT_MIN and the tail holds >= 2 author headers, so a few chatty lines
    (quotes, a Q&A) in the body are not enough."""
    ev: list[int] = []
    hdr: list[int] = []
    seen_authors: set[str] = set()
    for k, i in enumerate(nb):
        ln = lines[i]
        nxt = _next_nonblank(lines, nb, k)
        e, h = 0, 0
        if i <= body_from:
            e = -3
        elif _bullet_header(ln, nxt):  # threaded reply layout
            e, h = 3, 1
        elif _comment_marker(ln) or _spam_signals(ln):  # widgets and spam live in comment sections
            e = 3
        elif ln.short and _COMMENT_CHROME_RE.match(ln.stripped):  # "Reply", "2 hours ago"
            e = 2
        elif _username_like(ln) and nxt is not None and nxt.words >= 3:
            # An author line above a comment.  A sub-heading above body prose looks the same, so
            # it scores by what follows: informal or short text +2, other prose +1, news prose 0.
            if _informal(nxt) or nxt.words < 12:
                e, h = 2, 1
            elif not _article_like(nxt):
                e, h = 1, 1
            key = ln.stripped.lower()
            if h and key in seen_authors:  # the same author line twice: a conversation
                e += 1
            seen_authors.add(key)
        elif _article_like(ln):
            e = -3
        elif _is_prose(ln):
            e = 1 if _informal(ln) else -1
        elif ln.words >= 3:
            e = 1 if _informal(ln) else 0
        ev.append(e)
        hdr.append(h)
    best, best_k, run, run_h, best_h = 0, None, 0, 0, 0
    for k in range(len(nb) - 1, -1, -1):
        run += ev[k]
        run_h += hdr[k]
        if run > best and ev[k] > 0:  # the tail starts on a comment-like line
            best, best_k, best_h = run, k, run_h
    if best_k is not None and best >= _CHANGE_POINT_MIN and best_h >= 2 and nb[best_k] > body_from:
        return nb[best_k], f"comment-like tail (evidence {best}, {best_h} author headers)"
    return None


# ---------------------------------------------------------------------------------------------
# Main entry point
# ---------------------------------------------------------------------------------------------


def clean_text(text: str) -> CleanedText:
    """Blank out boilerplate lines; the result has the input's length and line breaks."""
    if not text or not text.strip():
        return CleanedText(text=text, removed=[])
    lines = _split_lines(text)
    nb = [ln.idx for ln in lines if not ln.blank]
    decisions: dict[int, tuple[str, str]] = {}

    # Where the body starts: the first prose line (markers above it are page chrome, not a section).
    body_from = next((i for i in nb if _is_prose(lines[i])), None)
    # Where the page header ends: the first line with >= 4 words (the headline).
    head_from = next((i for i in nb if _is_substantial(lines[i])), None)

    # --- 1. the comment section --------------------------------------------------------------
    section: tuple[int, str] | None = None
    if body_from is not None:
        candidates = []
        for i in nb:
            if i > body_from:
                why = _comment_marker(lines[i])
                if why:
                    candidates.append((i, f"comment section marker ({why})"))
                    break
        for det in (_thread_start, _change_point):
            found = det(lines, nb, body_from)
            if found:
                candidates.append(found)
        if candidates:
            first = min(i for i, _ in candidates)
            section = (first, "; ".join(sorted({why for i, why in candidates if i == first})))
    end = section[0] if section else len(lines)
    if section:
        for i in nb:
            if i >= end:
                # spam, donation widgets etc. keep their own kind; the rest is the thread
                decisions[i] = _line_rule(lines[i]) or ("comments", section[1])

    # --- 2. line rules in the body ----------------------------------------------------------
    body_nb = [i for i in nb if i < end]
    for i in body_nb:
        ln = lines[i]
        rule = _line_rule(ln)
        if rule is None and (body_from is None or i < body_from):
            why = _comment_marker(ln)
            if why:
                rule = ("comments", f"comment widget above the body ({why})")
        if rule:
            decisions[i] = rule

    # Month+year next to money-only lines: the date of a donation/funding widget.
    for k, i in enumerate(body_nb):
        if i not in decisions and _MONTH_YEAR_RE.match(lines[i].stripped):
            near = body_nb[max(0, k - 2) : k] + body_nb[k + 1 : k + 3]
            if any(decisions.get(j, ("",))[0] == "donation" for j in near):
                decisions[i] = ("donation", "month/year beside a donation widget")

    # Short non-sentence lines above the headline: logo, search box, menu.
    if head_from is not None:
        for i in body_nb:
            if i >= head_from:
                break
            if i not in decisions and _is_short_fragment(lines[i]):
                decisions[i] = ("chrome", "short fragment above the headline")

    # Short non-sentence lines after the last prose line: tags, keyword boxes, footer links.
    last_prose = next((i for i in reversed(body_nb) if _is_prose(lines[i])), None)
    if last_prose is not None:
        for i in body_nb:
            if i > last_prose and i not in decisions and _is_short_fragment(lines[i]):
                decisions[i] = ("chrome", "short fragment after the last paragraph")

    # Short fragments repeated in the page: widgets printed twice (top and bottom).
    # (list items - indented or bulleted - repeat legitimately and are left alone)
    def _widget_fragment(ln: _Line) -> bool:
        # (markup - headings, rules, table rows - is structure, not a widget label)
        return ln.indent == 0 and ln.stripped[0].isalnum() and _is_short_fragment(ln, 4)

    counts: dict[str, int] = {}
    for i in body_nb:
        if _widget_fragment(lines[i]):
            key = lines[i].stripped.lower()
            counts[key] = counts.get(key, 0) + 1
    for i in body_nb:
        if i not in decisions and counts.get(lines[i].stripped.lower(), 0) >= 2 and _widget_fragment(lines[i]):
            decisions[i] = ("chrome", "short fragment repeated in the page")

    # A run-on line (text that lost its line breaks) that ends in a related-links block: blank from
    # the block's heading to the end of the line, when it sits in the second half of the document.
    tails: list[RemovedSpan] = []
    for i in body_nb:
        ln = lines[i]
        if i in decisions or ln.words < 40:
            continue
        m = _TAIL_BLOCK_RE.search(ln.text)
        if m and ln.start + m.start() > len(text) // 2:
            tails.append(RemovedSpan(ln.start + m.start(), ln.start + len(ln.text.rstrip()), "chrome",
                                     f"related-links block at the end of a run-on line ({m.group(0).strip()})"))

    if not decisions and not tails:
        return CleanedText(text=text, removed=[])

    # --- 3. spans: merge consecutive removed lines of one kind (blank lines between allowed) ----
    spans: list[RemovedSpan] = []
    prev_k = -2  # position in `nb` of the line that ended the last span
    for k, i in enumerate(nb):
        d = decisions.get(i)
        if d is None:
            continue
        kind, reason = d
        ln = lines[i]
        start = ln.start + ln.indent
        stop = ln.start + len(ln.text.rstrip())
        prev = spans[-1] if spans else None
        if prev is not None and prev_k == k - 1 and prev.kind == kind and prev.reason == reason:
            prev.end = stop  # only blank lines lie between: one span
        else:
            spans.append(RemovedSpan(start, stop, kind, reason))
        prev_k = k

    spans = sorted(spans + tails, key=lambda sp: sp.start)
    out: list[str] = []
    pos = 0
    for sp in spans:
        out.append(text[pos : sp.start])
        out.append(_blank(text[sp.start : sp.end]))
        pos = sp.end
    out.append(text[pos:])
    return CleanedText(text="".join(out), removed=spans)


_NOT_NEWLINE_RE = re.compile(r"[^\r\n]")


def _blank(s: str) -> str:
    return _NOT_NEWLINE_RE.sub(" ", s)
