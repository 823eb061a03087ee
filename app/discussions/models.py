"""The posts of a follow-up phase's discussion activities, and who gets the daily digest.

A discussion is a :class:`~app.followup.models.FollowupActivity` of kind ``DISCUSSION``; its
posts are topics (no parent) and replies to a topic (one level: a reply's parent is always a
topic). A hidden post is kept, with who hid it and when; showing it again records who did and when,
beside the last hiding.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.followup.models import FollowupActivity


class DiscussionPost(db.Model):
    __tablename__ = "discussion_post"
    __table_args__ = (sa.Index("ix_discussion_post_activity_created", "activity_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("followup_activity.id", ondelete="CASCADE")
    )
    # A topic has none; a reply names its topic (never another reply).
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("discussion_post.id", ondelete="CASCADE"), index=True
    )
    # Kept if the account goes (accounts are deactivated, not deleted, but a database may be
    # cleaned by hand): the post then reads as from a former member.
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Plain text as typed; shown escaped, links made clickable by the ``linkify`` filter.
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    # The last time it was hidden, and by whom; kept when it is shown again.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The last time it was shown again, and by whom.
    unhidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unhidden_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    activity: Mapped[FollowupActivity] = relationship()
    parent: Mapped[DiscussionPost | None] = relationship(remote_side=[id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    unhidden_by: Mapped[User | None] = relationship(foreign_keys=[unhidden_by_id])

    def __repr__(self) -> str:
        return f"<DiscussionPost {self.id} activity={self.activity_id} parent={self.parent_id}>"

    @property
    def is_topic(self) -> bool:
        return self.parent_id is None


class DigestState(db.Model):
    """When a person's last digest went out: the next one holds the posts made since."""

    __tablename__ = "discussion_digest_state"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestPreference(db.Model):
    """A person's choice for one course's digest. No row: digests on (the default)."""

    __tablename__ = "discussion_digest_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # When it was last turned on or off: turned back on, the digest holds posts from then.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
