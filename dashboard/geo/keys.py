"""Text keys for place names: the folded form the index is keyed by, the key case
variants share, and why a string can't be a place at all."""

from __future__ import annotations

import re
import unicodedata

_MAX_QUERY_CHARS = 120

# reasons the organiser reads; online geocoding skips the non-place ones
REASON_EMPTY = "empty"
REASON_NOT_TEXT = "not text"
REASON_NOT_A_PLACE = "not a place name"
REASON_NO_LETTERS = "no letters (a number or symbols), not a place"
REASON_TOO_LONG = "too long to be a place name"
REASON_CODE = "looks like code or markup, not a place"
REASON_FORMULA = "looks like a spreadsheet formula, not a place"
REASON_WEB = "looks like a web or email address, not a place"
REASON_POSTCODE = "looks like a postcode; postcodes aren't looked up offline"
REASON_REGION = "names a country or region, not a town or city"
REASON_NOT_FOUND = "no place by that name"
REASON_NOT_FOUND_SCRIPT = "no place by that name (non-Latin script)"
NON_PLACE_REASONS: frozenset[str] = frozenset(
    {REASON_EMPTY, REASON_NOT_TEXT, REASON_NOT_A_PLACE, REASON_NO_LETTERS, REASON_TOO_LONG,
     REASON_CODE, REASON_FORMULA, REASON_WEB, REASON_POSTCODE, REASON_REGION}
)

# --- text keys --------------------------------------------------------------------

_SPECIAL = {
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ß": "ss",
    "'": "", "’": "", "‘": "", "`": "", "ʻ": "", "ʼ": "", "´": "", "&": " and ",
}
_TRANSLATE: dict[int, str | None] | None = None
_ASCII_NONWORD = re.compile(r"[^0-9a-z]+")
_NONWORD = re.compile(r"[\W_]+")
_SAINT = re.compile(r"\b(saint|sainte|mount|fort)\b")
_SAINT_MAP = {"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}


def _translate_table() -> dict[int, str | None]:
    """Accent marks dropped, a few letters spelled out (built on first use)."""
    global _TRANSLATE
    if _TRANSLATE is None:
        table: dict[int, str | None] = {
            i: None for i in range(0x0300, 0x2000) if unicodedata.combining(chr(i))
        }
        table.update({i: None for i in range(0x20D0, 0x2100)})
        table.update({ord(k): v for k, v in _SPECIAL.items()})
        _TRANSLATE = table
    return _TRANSLATE


def name_key(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used as an index key."""
    if text.isascii():
        s = text.lower()
        if not s.replace(" ", "").isalnum():  # most names need no regex at all
            s = _ASCII_NONWORD.sub(" ", s.replace("'", "").replace("`", "").replace("&", " and "))
    else:
        s = unicodedata.normalize("NFKD", text).translate(_translate_table()).casefold()
        s = _NONWORD.sub(" ", s)
    s = s.strip()
    if " " in s:
        s = " ".join(s.split())
    if "saint" in s or "mount" in s or "fort" in s:
        s = _SAINT.sub(lambda m: _SAINT_MAP[m.group(1)], s)
    return s


def city_key(text: object) -> str:
    """The key two city strings share when they differ only in case and spacing."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split()).casefold()

# --- bad input ----------------------------------------------------------------------

NON_PLACE_KEYS = frozenset(name_key(w) for w in (
    "online", "online only", "on line", "virtual", "virtually", "remote", "remotely", "zoom", "teams",
    "internet", "the internet", "web", "website", "cyberspace", "earth", "planet earth", "the earth",
    "world", "the world", "worldwide", "world wide", "global", "globe", "everywhere", "anywhere",
    "nowhere", "somewhere", "elsewhere", "various", "varies", "multiple", "many", "several",
    "n/a", "na", "n.a.", "none", "nil", "null", "nan", "no", "nope", "unknown", "not known",
    "dont know", "don't know", "idk", "tbc", "tbd", "tba", "test", "testing", "other", "others",
    "not applicable", "not sure", "unsure", "prefer not to say", "rather not say", "private",
    "secret", "home", "my home", "at home", "abroad", "overseas", "international", "moon",
    "the moon", "mars", "undefined", "true", "false", "yes", "city", "town", "village", "local",
    "here", "there", "same", "same as above", "see above", "ditto", "moving", "travelling",
    "traveling", "nomad", "digital nomad", "hybrid", "in person", "tbc later", "none given",
    "no city", "city name", "your city", "x", "xx", "xxx", "n", "asdf", "qwerty", "lorem ipsum",
))
_CODE = re.compile(
    r"<\s*/?\s*[a-z!][^>]*>|\b(select|insert|update|delete|drop|union|alter|create|exec)\b.{0,60}"
    r"\b(from|into|table|set|where|select|database)\b|--|/\*|\*/|\b(or|and)\b\s*'?\d+'?\s*=\s*'?\d+|"
    r"\$\{|\{\{|javascript:|\bscript\b.*\(|\);",
    re.IGNORECASE,
)
_WEB = re.compile(r"https?://|www\.|\S+@\S+\.\S+|\.(com|org|net|io|co\.uk)\b", re.IGNORECASE)
_POSTCODE = re.compile(
    r"^([a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}|[a-z]{1,2}\d[a-z\d]?|\d{5}(-\d{4})?|[a-z]\d[a-z]\s?\d[a-z]\d|"
    r"\d{4}\s?[a-z]{2}|\d{3,6})$",
    re.IGNORECASE,
)
PART_SEPARATORS = re.compile(r"[,;|()\[\]/]+|\s+-\s+|\s+–\s+")

def junk_reason(text: str) -> str:
    """Why a stripped string can't be a place (``""`` when it might be one)."""
    if not text:
        return REASON_EMPTY
    if len(text) > _MAX_QUERY_CHARS:
        return REASON_TOO_LONG
    if text[0] in "=+@" and any(ch.isalpha() for ch in text) and ("(" in text or text[0] != "+"):
        return REASON_FORMULA
    if _CODE.search(text):
        return REASON_CODE
    if _WEB.search(text):
        return REASON_WEB
    if not any(ch.isalpha() for ch in text):
        return REASON_NO_LETTERS
    if _POSTCODE.match(text):
        return REASON_POSTCODE
    if name_key(text) in NON_PLACE_KEYS:
        return REASON_NOT_A_PLACE
    return ""


# --- the index ----------------------------------------------------------------------


#: a verdict on a query, minus the query and the place: (confidence, reason, candidates,
#: ambiguous); candidates None stand for just the place itself
_Verdict = tuple[float, "str | None", "tuple[int, ...] | None", bool]
#: how ``_pick`` settles a name several places share, whatever the query's spelling: the
#: place and the verdict, whose reason is None for "several places are called '<query>'"
_Pick = tuple[int, _Verdict]

