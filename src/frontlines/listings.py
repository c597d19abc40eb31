"""What a live source lists: the items of an RSS/Atom feed (feedparser) or of a sitemap (lxml, a
sitemap index's child sitemaps named for the caller to fetch, gzip accepted, entities never resolved).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urldefrag, urljoin

from .fetch import MAX_BYTES, FetchError
from .models import one_line


def normalise_url(url: str) -> str:
    """The key an item is known by: fragment dropped, then courlan's normalisation (scheme and host
    lower-cased, default port dropped, query sorted, tracking parameters such as utm_* removed)."""
    from courlan import normalize_url

    url = urldefrag(url.strip())[0]
    try:
        return normalize_url(url)
    except Exception:  # noqa: BLE001 - courlan refuses odd URLs; the URL itself is still a key
        return url


@dataclass
class Item:
    url: str  # normalised
    guid: str = ""
    title: str | None = None
    published: date | None = None
    author: str | None = None


@dataclass
class Listing:
    kind: str  # rss | atom | sitemap | sitemapindex
    title: str | None = None
    items: list[Item] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # a sitemap index's sitemaps


def _xml_root(body: bytes):
    """The root element of an XML document, entities never resolved, nothing fetched; None if not XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ungzip(body: bytes, limit: int) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        out = zlib.decompressobj(wbits=31).decompress(body, limit + 1)
    except zlib.error as exc:
        raise FetchError(f"not a valid gzip file ({exc})", transient=False) from None
    if len(out) > limit:
        raise FetchError(f"sitemap is over the {limit:,}-byte limit once decompressed", transient=False)
    return out


def parse_listing(body: bytes, base_url: str, kind: str = "auto", limit: int = MAX_BYTES) -> Listing:
    """A feed's or a sitemap's items; FetchError (not transient) when it is neither."""
    body = _ungzip(body, limit)
    if kind in ("sitemap", "auto"):
        root = _xml_root(body)
        name = _local(root.tag) if root is not None else None
        if name in ("urlset", "sitemapindex"):
            return _sitemap(root, name, base_url)
        if kind == "sitemap":
            raise FetchError("not a sitemap (" + (f"root element <{name}>" if name else "not well-formed XML") + ")",
                             transient=False)
    return _feed(body, base_url)


def _sitemap(root, name: str, base_url: str) -> Listing:
    out = Listing(kind=name)
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        fields = {_local(c.tag): (c.text or "").strip() for c in entry}
        loc = fields.get("loc")
        if not loc:
            continue
        url = urljoin(base_url, loc)
        if name == "sitemapindex":
            out.children.append(url)
        else:
            from .dates import parse_metadata_date

            lastmod = fields.get("lastmod")
            out.items.append(Item(url=normalise_url(url), published=parse_metadata_date(lastmod) if lastmod else None))
    return out


def _feed(body: bytes, base_url: str) -> Listing:
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise FetchError("not an RSS/Atom feed or a sitemap" + (f" ({one_line(why, 200)})" if why else ""), transient=False)
    out = Listing(kind="atom" if str(parsed.get("version", "")).startswith("atom") else "rss",
                  title=(parsed.feed.get("title") or "").strip() or None)
    for e in parsed.entries:
        link = e.get("link") or (e.get("id") if str(e.get("id", "")).startswith(("http://", "https://")) else None)
        if not link:
            continue
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        out.items.append(Item(url=normalise_url(urljoin(base_url, link)), guid=str(e.get("id") or ""),
                              title=(e.get("title") or "").strip() or None,
                              published=date(*stamp[:3]) if stamp else None,
                              author=(e.get("author") or "").strip() or None))
    return out
