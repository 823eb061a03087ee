"""The discussions' pages: the course's discussions, one thread, editing a post, hiding and
showing posts, the digest choice, who has taken part, and the digest's unsubscribe link.

Readers are the course's confirmed participants and its team (organisers, facilitators,
administrators): 403 for anyone else signed in, 404 for a draft course outside its team and
for an activity that is not one of the course's discussions. Hiding and the participation
page are for the team. The unsubscribe link needs no log-in: its signed token is the key.
The rules live in :mod:`app.discussions.services` and :mod:`app.discussions.digest`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.courses.models import Course, CourseStatus, TeamRole
from app.courses.permissions import get_course_or_404
from app.db import now_utc
from app.discussions import digest, services
from app.discussions.forms import DigestForm, PostForm
from app.discussions.models import DiscussionPost
from app.discussions.text import post_html
from app.extensions import db
from app.followup.forms import add_service_errors
from app.followup.models import FollowupActivity

bp = Blueprint("discussions", __name__)
bp.add_app_template_filter(post_html, "post_html")

NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _readable_course_or_403(slug: str) -> Course:
    course = get_course_or_404(slug)
    if not services.can_read_course(current_user, course):
        abort(403)
    return course


def _discussion_or_404(course: Course, activity_id: int) -> FollowupActivity:
    activity = db.session.get(FollowupActivity, activity_id)
    if activity is None or activity.course_id != course.id or not services.is_discussion(activity):
        abort(404)
    return activity


def _post_or_404(activity: FollowupActivity, post_id: int) -> DiscussionPost:
    post = services.find_post(activity, post_id)
    if post is None:
        abort(404)
    return post


def _thread_url(course: Course, activity: FollowupActivity, post: Any = None) -> str:
    anchor = f"post-{post.id}" if post is not None else None
    return url_for("discussions.thread", slug=course.slug, activity_id=activity.id, _anchor=anchor)


def _reply_prefix(topic_id: int) -> str:
    return f"reply-{topic_id}"


def _render_thread(
    course: Course,
    activity: FollowupActivity,
    *,
    new_form: PostForm | None = None,
    reply: tuple[int, PostForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    now = now_utc()
    topics = services.thread(activity)
    closed_reason = services.posting_closed_reason(current_user, activity, now=now)
    moderator = services.is_moderator(current_user, course)
    reply_forms = {}
    if closed_reason is None:
        for topic in topics:
            if topic.post.is_hidden and not moderator:
                continue
            if reply is not None and reply[0] == topic.post.id:
                reply_forms[topic.post.id] = reply[1]
            else:
                reply_forms[topic.post.id] = PostForm(
                    formdata=None, prefix=_reply_prefix(topic.post.id)
                )
    page = render_template(
        "discussions/thread.html",
        course=course,
        activity=activity,
        topics=topics,
        closed_reason=closed_reason,
        moderator=moderator,
        new_form=(new_form or PostForm(formdata=None)) if closed_reason is None else None,
        reply_forms=reply_forms,
        editable=services.editable_ids(topics, current_user, now=now),
        team_roles={m.user_id: m.role for m in course.team},
        roles=TeamRole,
        digest_on=services.digest_enabled(current_user, course),
        digest_form=DigestForm(),
        edit_minutes=services.edit_minutes(),
    )
    return page, status


@bp.get("/courses/<slug>/discussions")
@login_required
def index(slug: str) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    return render_template(
        "discussions/index.html",
        course=course,
        discussions=services.discussions_of(course),
        moderator=services.is_moderator(current_user, course),
    )


@bp.get("/courses/<slug>/discussions/<int:activity_id>")
@login_required
def thread(slug: str, activity_id: int) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    return _render_thread(course, activity)


def _publish(
    course: Course,
    activity: FollowupActivity,
    form: PostForm,
    parent: DiscussionPost | None,
) -> ResponseReturnValue:
    """Validate and publish a topic or reply; show the thread again with what was wrong."""
    reply = (parent.id, form) if parent is not None else None
    new_form = form if parent is None else None
    if not form.validate_on_submit():
        return _render_thread(course, activity, new_form=new_form, reply=reply)
    try:
        post = services.create_post(
            activity, form.body.data or "", actor=current_user, parent=parent
        )
    except services.PostingClosed as exc:
        for message in exc.messages:
            flash(message, "error")
        return _render_thread(course, activity, new_form=new_form, reply=reply, status=409)
    except services.InvalidPost as exc:
        add_service_errors(form, exc)
        return _render_thread(course, activity, new_form=new_form, reply=reply)
    db.session.commit()
    flash(_("Your message was published."), "success")
    return redirect(_thread_url(course, activity, post))


@bp.post("/courses/<slug>/discussions/<int:activity_id>/posts")
@login_required
def new_topic(slug: str, activity_id: int) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    return _publish(course, activity, PostForm(), None)


@bp.post("/courses/<slug>/discussions/<int:activity_id>/posts/<int:post_id>/replies")
@login_required
def reply(slug: str, activity_id: int, post_id: int) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    parent = _post_or_404(activity, post_id)
    if parent.parent is not None:  # a reply to a reply joins its topic
        parent = parent.parent
    return _publish(course, activity, PostForm(prefix=_reply_prefix(parent.id)), parent)


@bp.route(
    "/courses/<slug>/discussions/<int:activity_id>/posts/<int:post_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_post(slug: str, activity_id: int, post_id: int) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    post = _post_or_404(activity, post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = PostForm()
    if not form.is_submitted():
        form.body.data = post.body
    status = 200
    reason = services.edit_refused_reason(post, current_user)
    if reason is not None and not form.is_submitted():
        flash(str(reason), "error")
        return redirect(_thread_url(course, activity, post))
    if form.validate_on_submit():
        try:
            services.edit_post(post, form.body.data or "", actor=current_user)
        except services.EditRefused as exc:
            add_service_errors(form, exc)
            status = 409
        except services.InvalidPost as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your message was saved."), "success")
            return redirect(_thread_url(course, activity, post))
    page = render_template(
        "discussions/edit.html",
        course=course,
        activity=activity,
        post=post,
        form=form,
        deadline=services.edit_deadline(post),
    )
    return page, status


def _moderate(slug: str, activity_id: int, post_id: int, hide: bool) -> Response:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    if not services.is_moderator(current_user, course):
        abort(403)
    post = _post_or_404(activity, post_id)
    if hide:
        services.hide_post(post, actor=current_user)
        message = _("The message is hidden: participants see that the organisers hid it.")
    else:
        services.unhide_post(post, actor=current_user)
        message = _("The message is shown again.")
    db.session.commit()
    flash(message, "success")
    return redirect(_thread_url(course, activity, post))


@bp.post("/courses/<slug>/discussions/<int:activity_id>/posts/<int:post_id>/hide")
@login_required
def hide_post(slug: str, activity_id: int, post_id: int) -> Response:
    return _moderate(slug, activity_id, post_id, hide=True)


@bp.post("/courses/<slug>/discussions/<int:activity_id>/posts/<int:post_id>/unhide")
@login_required
def unhide_post(slug: str, activity_id: int, post_id: int) -> Response:
    return _moderate(slug, activity_id, post_id, hide=False)


def _digest_choice(form: DigestForm) -> bool | None:
    """True to turn the digest on, False off, None if the form said neither."""
    if not form.validate_on_submit():
        return None
    if form.turn_on.data:
        return True
    if form.turn_off.data:
        return False
    return None


@bp.post("/courses/<slug>/discussions/<int:activity_id>/digest")
@login_required
def digest_setting(slug: str, activity_id: int) -> Response:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    enabled = _digest_choice(DigestForm())
    if enabled is None:
        abort(400)
    services.set_digest(current_user, course, enabled, actor=current_user)
    db.session.commit()
    if enabled:
        flash(_("You will get a daily digest of the new messages of this course."), "success")
    else:
        flash(_("You will no longer get the daily digest of this course."), "success")
    return redirect(_thread_url(course, activity) + "#digest")


@bp.get("/courses/<slug>/discussions/<int:activity_id>/participation")
@login_required
def participation(slug: str, activity_id: int) -> ResponseReturnValue:
    course = _readable_course_or_403(slug)
    activity = _discussion_or_404(course, activity_id)
    if not services.is_moderator(current_user, course):
        abort(403)
    rows = services.participation(activity)
    return render_template(
        "discussions/participation.html",
        course=course,
        activity=activity,
        rows=rows,
        silent=[registration for registration, count in rows if count == 0],
    )


@bp.route("/discussions/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> ResponseReturnValue:
    found = digest.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, course = found
    form = DigestForm()
    if form.is_submitted():
        enabled = _digest_choice(form)
        if enabled is None:
            abort(400)
        services.set_digest(user, course, enabled, actor=user)
        db.session.commit()
        if enabled:
            flash(_("The daily digest is on again."), "success")
        else:
            flash(_("You will no longer get the daily digest of this course."), "success")
        return redirect(url_for("discussions.unsubscribe", token=token))
    page = render_template(
        "discussions/unsubscribe.html",
        form=form,
        digest_on=services.digest_enabled(user, course),
        # A draft course's name is for its team: the page then names no course.
        course_title=(
            course.title(str(get_locale())) if course.status != CourseStatus.DRAFT else None
        ),
    )
    return page, 200, NO_REFERRER
