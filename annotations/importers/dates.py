"""Read the dates other tools write (Kindle's localised headers, ISO 8601, epoch seconds)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january januar janvier enero gennaio janeiro jan janv",
        "february februar fevrier febrero febbraio fevereiro feb fevr",
        "march marz mars marzo marco mar",
        "april avril abril aprile apr avr",
        "may mai mayo maggio maio",
        "june juni juin junio giugno junho jun",
        "july juli juillet julio luglio julho jul juil",
        "august aout agosto aug",
        "september septembre septiembre settembre setembro sep sept setiembre",
        "october oktober octobre octubre ottobre outubro oct okt",
        "november novembre noviembre novembro nov",
        "december dezember decembre diciembre dicembre dezembro dec dez dic",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_TIME = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?")
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERIC_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_PM = ("pm", "p.m.", "下午", "午後", "nachm")
_AM = ("am", "a.m.", "上午", "午前", "vorm")


_WORDS = re.compile(r"[^\W\d_]+|\d+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z`` (naive times are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


#: The two forms English Kindles write, read without the general (multilingual) parser.
_UK = re.compile(r"[A-Za-z]+, (\d{1,2}) ([A-Za-z]+) (\d{4}) (\d{1,2}):(\d{2}):(\d{2})")
_US = re.compile(
    r"[A-Za-z]+, ([A-Za-z]+) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AaPp][Mm])"
)


def _stamp(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    try:
        datetime(year, month, day, hour, minute, second)  # validates the parts
    except ValueError:
        return ""
    return f"{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"


def _english(text: str) -> str | None:
    """The date of an English "Added on" text, or None when it is in another form."""
    found = _UK.fullmatch(text)
    if found is not None:
        month = _MONTHS.get(found[2].lower())
        if month is None:
            return None
        return _stamp(int(found[3]), month, int(found[1]), int(found[4]), int(found[5]),
                      int(found[6]))
    found = _US.fullmatch(text)
    if found is None:
        return None
    month = _MONTHS.get(found[1].lower())
    if month is None:
        return None
    hour = int(found[4])
    if found[7].lower() == "pm" and hour < 12:
        hour += 12
    elif found[7].lower() == "am" and hour == 12:
        hour = 0
    return _stamp(int(found[3]), month, int(found[2]), hour, int(found[5]), int(found[6]))


def parse_kindle_date(text: str) -> str:
    """The ISO time of a Kindle "Added on" text in any of its languages, or "" if unreadable.

    Examples: ``Monday, 3 March 2025 10:15:00``, ``Monday, March 3, 2025 10:15:00 AM``,
    ``Montag, 3. März 2025 10:15:00``, ``2025年3月3日月曜日 10:15:00``,
    ``2025年3月3日星期一 上午10:15:00``. Kindles write local time without a zone: it is kept
    as written (stored as UTC).
    """
    english = _english(text.strip())
    return english if english is not None else parse_any_kindle_date(text)


def parse_any_kindle_date(text: str) -> str:
    """:func:`parse_kindle_date` by the general rules (any language; no English fast path)."""
    folded = _fold(text)
    time_match = _TIME.search(folded)
    hour = minute = second = 0
    rest = folded
    if time_match:
        hour, minute = int(time_match[1]), int(time_match[2])
        second = int(time_match[3] or 0)
        rest = folded[: time_match.start()] + " " + folded[time_match.end() :]
        after = folded[time_match.end() : time_match.end() + 6].strip()
        before = folded[max(0, time_match.start() - 4) : time_match.start()]
        pm = after.startswith(_PM[:2]) or any(mark in before for mark in _PM[2:4])
        am = after.startswith(_AM[:2]) or any(mark in before for mark in _AM[2:4])
        if pm and hour < 12:
            hour += 12
        elif am and hour == 12:
            hour = 0
    year = month = day = 0
    cjk = _CJK_DATE.search(rest) or _NUMERIC_DATE.search(rest)
    if cjk:
        year, month, day = int(cjk[1]), int(cjk[2]), int(cjk[3])
    else:
        for word in _WORDS.findall(rest):
            if word.isdigit():
                if len(word) == 4 and not year:
                    year = int(word)
                elif len(word) <= 2 and not day:
                    day = int(word)
            elif not month and word.rstrip(".") in _MONTHS:
                month = _MONTHS[word.rstrip(".")]
    return _stamp(year, month, day, hour, minute, second)


def parse_iso(value: object) -> str:
    """An ISO 8601 string (any offset, or none: UTC) as ``…Z``, or "" when not a date."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return ""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return iso(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return iso(datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        pass
    for fmt in ("%B %d, %Y %I:%M:%S %p", "%B %d, %Y %I:%M %p", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return iso(datetime.strptime(value.strip(), fmt))
        except ValueError:
            continue
    return ""
