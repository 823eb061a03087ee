"""A course's materials: a file (kept by app.storage) or a link, each with a title and who may
see it. A material belongs to the course and is placed on one of its sessions, on one of its
toolbox modules, or on the course as a whole."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db
from app.storage.models import StoredFile

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.modules.models import Module
    from app.schedule.models import CourseSession

TITLE_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 2000
URL_MAX_LENGTH = 500


class MaterialVisibility(enum.StrEnum):
    PARTICIPANTS = "participants"  # confirmed participants and the course team
    PUBLIC = "public"  # anyone who can see the course page

    @property
    def label(self) -> str:
        return {
            MaterialVisibility.PARTICIPANTS: _l("Participants only"),
            MaterialVisibility.PUBLIC: _l("Public"),
        }[self]


class Material(db.Model):
    """A file or a link of a course.

    Placed on a module by the toolbox module's id, not by the course's focus row: the course
    builder replaces its focus rows whenever the modules are saved, and the material must
    stay on "M2 as used in this course" through that. A session deleted from the timetable
    leaves its materials on the course (``session_id`` set to NULL) rather than losing them.
    """

    __tablename__ = "material"
    __table_args__ = (
        sa.CheckConstraint("file_id IS NOT NULL OR url <> ''", name="file_or_link"),
        sa.CheckConstraint("session_id IS NULL OR module_id IS NULL", name="one_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_session.id", ondelete="SET NULL"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("module.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[MaterialVisibility] = mapped_column(
        str_enum(MaterialVisibility), default=MaterialVisibility.PARTICIPANTS
    )
    # A file material's file; deleting or replacing it through the session deletes the stored
    # file, whose bytes go once that is committed (app.storage.services).
    file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True
    )
    url: Mapped[str] = mapped_column(sa.String(URL_MAX_LENGTH), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    session: Mapped[CourseSession | None] = relationship()
    module: Mapped[Module | None] = relationship()
    file: Mapped[StoredFile | None] = relationship(cascade="all, delete-orphan", single_parent=True)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.title!r} {self.visibility.value}>"

    @property
    def is_file(self) -> bool:
        return self.file_id is not None or self.file is not None

    @property
    def is_public(self) -> bool:
        return self.visibility == MaterialVisibility.PUBLIC
