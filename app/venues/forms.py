"""Forms for venues and their rooms: one per use case."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import PlainText, SubForm, one_line_break
from app.venues.models import Venue
from app.venues.services import RoomData, VenueData, canonical_timezone, room_usage

# Empty rows offered for new rooms; after saving, the form offers as many again.
NEW_ROOM_ROWS = 3

# Territory codes in CLDR that are not countries (EU, UN, "unknown region", pseudo-locales).
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _sort_key(name: str) -> str:
    # "Émirats…" sorts with E, not after Z.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_choices(current: str | None = None) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names in the interface language, sorted by name."""
    territories = get_locale().territories  # type: ignore[union-attr]
    countries = {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }
    if current and current not in countries:
        countries[current] = current  # keep a code the list lacks rather than lose it on save
    ordered = sorted(countries.items(), key=lambda item: _sort_key(item[1]))
    return [("", _("Choose a country")), *ordered]


class RoomRowForm(SubForm):
    """One room in the venue form (a sub-form: the outer form carries the CSRF token)."""

    room_id = HiddenField()
    name = StringField(_l("Room name"), validators=[Length(max=100), PlainText()], filters=[_strip])
    seats = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=1, max=5000)])
    remove = BooleanField(_l("Remove this room"))


class VenueForm(FlaskForm):
    """Create or edit a venue, with its rooms as rows: rename or resize in place, tick to
    remove, fill an empty row to add."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200), PlainText()], filters=[_strip]
    )
    address = TextAreaField(
        _l("Address"),
        validators=[Length(max=1000), PlainText(multiline=True)],
        filters=[one_line_break, _strip],
    )
    city = StringField(_l("City"), validators=[Length(max=100), PlainText()], filters=[_strip])
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=True)
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired()],
        filters=[_strip],
        description=_l(
            "The venue's clock, as an IANA time zone name such as Europe/Rome. Session times "
            "are entered and shown in it."
        ),
        render_kw={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"},
    )
    rooms = FieldList(FormField(RoomRowForm))

    def __init__(self, *args: Any, venue: Venue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(venue.country if venue else None)
        self._saved_rooms = {room.id: room for room in venue.rooms} if venue else {}
        # How many sessions each existing room has, so the page can warn before removal.
        self.room_usage = room_usage(venue.rooms) if venue else {}

    def saved_room_name(self, raw_id: str | None) -> str | None:
        """The stored name of the room a row edits (the row may be renaming it)."""
        room = self._saved_rooms.get(_room_id(raw_id))  # type: ignore[arg-type]
        return room.name if room is not None else None

    @classmethod
    def initial_data(cls, venue: Venue | None = None, *, timezone: str = "") -> dict[str, Any]:
        """Values for the form: the venue's own, plus empty rows for new rooms."""
        blank = [{} for _ in range(NEW_ROOM_ROWS)]
        if venue is None:
            return {"timezone": timezone, "rooms": blank}
        return {
            "name": venue.name,
            "address": venue.address,
            "city": venue.city,
            "country": venue.country,
            "timezone": venue.timezone,
            "rooms": [
                {"room_id": str(room.id), "name": room.name, "seats": room.seats}
                for room in venue.rooms
            ]
            + blank,
        }

    def validate_timezone(self, field: StringField) -> None:
        canonical = canonical_timezone(field.data or "")
        if canonical is None:
            raise ValidationError(
                _(
                    "“%(zone)s” is not a time zone we know. Use an IANA name from the list, "
                    "such as Europe/Rome or America/Bogota.",
                    zone=field.data,
                )
            )
        field.data = canonical  # europe/rome → Europe/Rome

    def validate_rooms(self, field: FieldList) -> None:
        # Errors go beside the row they concern; the raised error only fails the form.
        own = self._saved_rooms
        seen: set[str] = set()
        failed = False
        for entry in field.entries:
            row = entry.form
            room_id = _room_id(row.room_id.data)
            name = row.name.data or ""
            if row.room_id.data and (room_id is None or room_id not in own):
                row.name.errors.append(_("This room is not one of the venue's rooms."))
                failed = True
                continue
            if room_id is not None and row.remove.data:
                used = self.room_usage.get(room_id, 0)
                if used:
                    row.remove.errors.append(
                        ngettext(
                            "%(num)d session takes place in this room, so it cannot be "
                            "removed. Move it to another room first, or rename the room.",
                            "%(num)d sessions take place in this room, so it cannot be "
                            "removed. Move them to another room first, or rename the room.",
                            used,
                        )
                    )
                    failed = True
                continue
            if not name:
                if room_id is not None:
                    row.name.errors.append(_("Give the room a name, or tick “Remove this room”."))
                    failed = True
                elif row.seats.data is not None:
                    row.name.errors.append(_("Give the new room a name."))
                    failed = True
                continue
            if name.casefold() in seen:
                row.name.errors.append(_("Another room of this venue has this name."))
                failed = True
            seen.add(name.casefold())
        if failed:
            raise ValidationError(_("Some rooms need attention."))

    def to_data(self) -> VenueData:
        rooms = tuple(
            RoomData(
                name=entry.form.name.data or "",
                seats=entry.form.seats.data,
                room_id=_room_id(entry.form.room_id.data),
                remove=bool(entry.form.remove.data),
            )
            for entry in self.rooms.entries
        )
        return VenueData(
            name=self.name.data or "",
            address=self.address.data or "",
            city=self.city.data or "",
            country=self.country.data or "",
            timezone=self.timezone.data or "",
            rooms=rooms,
        )


def _room_id(raw: str | None) -> int | None:
    # ASCII digits only: "²" passes isdigit() and 5,000 nines pass it too, but int() refuses both.
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        return int(raw)
    return None
