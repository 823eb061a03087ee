"""Venues, each in its own time zone, and their rooms."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Venue(db.Model):
    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO 3166-1 alpha-2
    timezone: Mapped[str] = mapped_column(sa.String(64))  # IANA name, e.g. Europe/Rome

    rooms: Mapped[list[Room]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="Room.name"
    )

    def __str__(self) -> str:
        return f"{self.name}, {self.city}" if self.city else self.name


class Room(db.Model):
    __tablename__ = "room"
    __table_args__ = (sa.UniqueConstraint("venue_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    seats: Mapped[int | None]

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    def __str__(self) -> str:
        return self.name
