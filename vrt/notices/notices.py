"""A crisis notice: its fields, the checks a new one must pass, and what a resident reads from it.

A notice file (YAML, Dutch keys like knowledge/):

    titel: Grote brand in Hengelo
    tekst: >-
      Er is een grote brand bij een bedrijf in Hengelo. Er komt veel rook vrij.
      Houd ramen en deuren dicht en zet de ventilatie uit.
    tekst_en: ...                 # optional: the English text, once the bot speaks English
    gemeenten: [Hengelo, Borne]   # municipalities of knowledge/gemeenten.yml, or [Twente]: all
    begin: 2026-11-29 14:00       # optional, default now; Dutch time unless an offset is given
    einde: 2026-11-29 22:00       # required
    link: https://www.vrtwente.nl/...   # optional
    door: Communicatie VRT        # optional: who publishes (default: the --door option or the login user)

The texts are kept exactly as written: the bot repeats them word for word.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from vrt.nlu.text import normalise
from vrt.paths import ROOT  # noqa: E402

MUNICIPALITIES_PATH = ROOT / "knowledge" / "gemeenten.yml"
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
FIELDS = {"titel", "tekst", "tekst_en", "gemeenten", "begin", "einde", "link", "door"}
MAX_TITLE = 120
MAX_TEXT = 1500

# Responses in domain.yml. Every response whose name starts with NOTICE_RESPONSE_PREFIX is
# about the notices (the channel adds no pointer after those).
NOTICE_RESPONSE_PREFIX = "utter_melding"
RESPONSE = "utter_melding"
RESPONSE_WITH_LINK = "utter_melding_met_link"
POINTER_RESPONSE = "utter_melding_wijzer"
NONE_RESPONSE = "utter_melding_geen"
NONE_FOR_MUNICIPALITY_RESPONSE = "utter_melding_geen_gemeente"
UNAVAILABLE_RESPONSE = "utter_melding_onbekend"


class NoticeError(ValueError):
    """A notice file that cannot be published; the message lists every problem."""


@dataclass(frozen=True)
class Municipalities:
    region: str
    names: Tuple[str, ...]

    def canonical(self, name: Any) -> Optional[str]:
        """The municipality (or the region) a staff member's spelling names."""
        if not isinstance(name, str):
            return None
        wanted = _words(name)
        return next((known for known in (self.region, *self.names) if _words(known) == wanted), None)

    def find_in_text(self, text: Optional[str]) -> Optional[str]:
        """The first municipality a resident's question names, longest name first."""
        padded = f" {_words(text or '')} "
        for name in sorted(self.names, key=len, reverse=True):
            if f" {_words(name)} " in padded:
                return name
        return None


def _words(text: str) -> str:
    return normalise(text).replace("-", " ")


def load_municipalities(path: Path = MUNICIPALITIES_PATH) -> Municipalities:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Municipalities(region=raw["regio"], names=tuple(raw["gemeenten"]))


@dataclass(frozen=True)
class Notice:
    title: str
    text: str
    municipalities: Tuple[str, ...]
    starts_at: float  # Unix time (UTC)
    ends_at: float
    published_by: str
    published_at: float
    link: Optional[str] = None
    text_en: Optional[str] = None
    id: Optional[int] = None
    ended_by: Optional[str] = None

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at

    def concerns(self, municipality: str, region: str) -> bool:
        return region in self.municipalities or municipality in self.municipalities

    @property
    def response(self) -> str:
        return RESPONSE_WITH_LINK if self.link else RESPONSE

    def template_values(self) -> Dict[str, str]:
        """The values the notice responses of domain.yml fill in: the staff's own words."""
        start = local_time(self.starts_at)
        values = {
            "titel": self.title,
            "tekst": self.text,
            # The English variation's text; the Dutch one when staff gave none.
            "tekst_en": self.text_en or self.text,
            "gemeenten": ", ".join(self.municipalities),
            "datum": start.strftime("%d-%m-%Y"),
            "tijd": start.strftime("%H:%M"),
        }
        if self.link:
            values["link"] = self.link
        return values

    def as_row(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_row(cls, row: Dict[str, Any]) -> "Notice":
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        values["municipalities"] = tuple(values["municipalities"])
        return cls(**values)

    def public(self) -> Dict[str, Any]:
        """What the widget's banner shows (GET /webhooks/rest/notice)."""
        values = self.template_values()
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "text_en": self.text_en,
            "municipalities": list(self.municipalities),
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "date": values["datum"],
            "time": values["tijd"],
            "link": self.link,
        }


def local_time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, LOCAL_TIME)


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def _parse_time(value: Any) -> float:
    """A time as staff write it; without an offset it is Dutch local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
    else:
        raise ValueError
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.timestamp()


def _text(raw: Dict[str, Any], key: str, limit: int, problems: List[str], required: bool) -> Optional[str]:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}: is required and must be a non-empty text")
        return None
    value = value.strip()
    if len(value) > limit:
        problems.append(f"{key}: is {len(value)} characters long, at most {limit} are allowed")
    if "{" in value or "}" in value:
        problems.append(f"{key}: must not contain {{ or }}")
    return value


def parse_notice(
    raw: Any,
    now: float,
    published_by: Optional[str] = None,
    municipalities: Optional[Municipalities] = None,
    fallback_by: Optional[str] = None,
) -> Notice:
    """A new notice from the fields of a notice file; NoticeError lists every problem."""
    if not isinstance(raw, dict):
        raise NoticeError("the notice file must be a YAML mapping with titel, tekst, gemeenten and einde")
    municipalities = municipalities or load_municipalities()
    problems: List[str] = [f"{key}: is not a known field" for key in sorted(set(raw) - FIELDS, key=str)]
    title = _text(raw, "titel", MAX_TITLE, problems, required=True)
    text = _text(raw, "tekst", MAX_TEXT, problems, required=True)
    text_en = _text(raw, "tekst_en", MAX_TEXT, problems, required=False)

    names = raw.get("gemeenten")
    names = [names] if isinstance(names, str) else names
    chosen: List[str] = []
    if not isinstance(names, list) or not names:
        problems.append(
            f"gemeenten: is required: a list of municipalities, or [{municipalities.region}] for all"
        )
    else:
        for name in names:
            known = municipalities.canonical(name)
            if known is None:
                problems.append(
                    f"gemeenten: {name!r} is not a Twente municipality (one of {', '.join(municipalities.names)},"
                    f" or {municipalities.region} for all)"
                )
            elif known not in chosen:
                chosen.append(known)
        if municipalities.region in chosen and len(chosen) > 1:
            problems.append(f"gemeenten: {municipalities.region} already means all municipalities")

    start = now
    if raw.get("begin") is not None:
        try:
            start = _parse_time(raw["begin"])
        except ValueError:
            problems.append(f"begin: {raw['begin']!r} is not a time like 2026-11-29 14:00")
    end = None
    if raw.get("einde") is None:
        problems.append("einde: is required: a notice without an end time is refused")
    else:
        try:
            end = _parse_time(raw["einde"])
        except ValueError:
            problems.append(f"einde: {raw['einde']!r} is not a time like 2026-11-29 22:00")
    if end is not None:
        if end <= start:
            problems.append("einde: must be after begin")
        elif end <= now:
            problems.append("einde: is in the past")

    link = raw.get("link")
    if link is not None and not (
        isinstance(link, str) and re.fullmatch(r"https?://[^\s{}<>\"]+", link.strip())
    ):
        problems.append(f"link: {link!r} is not a web address starting with https://")

    by = published_by or raw.get("door") or fallback_by
    if not isinstance(by, str) or not by.strip():
        problems.append("door: who publishes the notice is required")

    if problems:
        raise NoticeError("\n".join(problems))
    return Notice(
        title=title,
        text=text,
        text_en=text_en,
        municipalities=tuple(chosen),
        starts_at=start,
        ends_at=end,
        link=link.strip() if link else None,
        published_by=by.strip(),
        published_at=now,
    )


def read_notice_file(
    path: Path, now: float, published_by: Optional[str] = None, fallback_by: Optional[str] = None
) -> Notice:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise NoticeError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise NoticeError(f"{path} is not valid YAML: {error}") from error
    return parse_notice(raw, now, published_by, fallback_by=fallback_by)
