"""The toolbox module catalogue, with each module's texts per language."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import pick_translation
from app.db import UTCDateTime, now_utc
from app.extensions import db


class Module(db.Model):
    """A module of the JMDI toolbox (or any later catalogue), with its texts per language."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    is_core: Mapped[bool] = mapped_column(default=False)
    is_retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    translations: Mapped[list[ModuleTranslation]] = relationship(
        back_populates="module", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, locale: str) -> ModuleTranslation:
        found = pick_translation(self.translations, locale, "en")
        assert found is not None, f"module {self.code} has no texts"
        return found

    def title(self, locale: str) -> str:
        return self.text(locale).title


class ModuleTranslation(db.Model):
    __tablename__ = "module_translation"
    __table_args__ = (sa.UniqueConstraint("module_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # One learning objective per line.
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    # The suggested sessions of the module's day, one title per line, in order.
    outline: Mapped[str] = mapped_column(sa.Text, default="")

    module: Mapped[Module] = relationship(back_populates="translations")

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    @property
    def outline_list(self) -> list[str]:
        return [line.strip() for line in self.outline.splitlines() if line.strip()]
