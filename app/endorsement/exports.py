"""The endorsement's columns in the desk's CSV and XLSX exports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.courses.models import Course
from app.endorsement.models import Endorsement
from app.endorsement.services import endorsements_by_registration

LABELS = (
    _l("Endorsement"),
    _l("Endorser's name"),
    _l("Endorser's position"),
    _l("Endorser's email address"),
    _l("Endorsement link sent on"),
    _l("Endorsed or declined on"),
    _l("Endorser's comment"),
    _l("Endorsement waived by"),
)

Cell = str | datetime | None
Local = Callable[[datetime | None], datetime | None]


@dataclass
class EndorsementColumns:
    """Labels and, per registration, values; none at all for a course that asks for no
    endorsement and has none."""

    labels: list[str] = field(default_factory=list)
    rows: dict[int, list[Cell]] = field(default_factory=dict)

    def values(self, registration_id: int) -> list[Cell]:
        if not self.labels:
            return []
        return self.rows.get(registration_id, [None] * len(self.labels))


def _row(
    endorsement: Endorsement, local: Callable[[datetime | None], datetime | None]
) -> list[Cell]:
    return [
        str(endorsement.state().label),
        endorsement.endorser_name,
        endorsement.endorser_position,
        endorsement.endorser_email,
        local(endorsement.requested_at),
        local(endorsement.responded_at),
        endorsement.comment,
        endorsement.waived_by.name if endorsement.waived_by else None,
    ]


def endorsement_columns(
    course: Course,
    registration_ids: Sequence[int],
    local: Local,
) -> EndorsementColumns:
    found = endorsements_by_registration(list(registration_ids))
    if not course.requires_endorsement and not found:
        return EndorsementColumns()
    return EndorsementColumns(
        labels=[str(label) for label in LABELS],
        rows={rid: _row(endorsement, local) for rid, endorsement in found.items()},
    )
