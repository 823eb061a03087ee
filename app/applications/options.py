"""The options of a choice question: checking the rows the builder sends, and applying them.

An option applicants chose is never removed (retire it); rows the builder leaves out leave
their options as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.applications.checks import MIN_OPTIONS, OPTION_MAX, Errors, check_text, set_texts
from app.applications.models import (
    ApplicationQuestion,
    OptionText,
    QuestionKind,
    QuestionOption,
    answer_option,
)
from app.core.i18n import LANGUAGE_NAMES
from app.extensions import db


@dataclass(frozen=True)
class OptionData:
    """One option row: a new option when ``option_id`` is None (a row without any label is
    left out), else a change to that option, or its removal."""

    labels: Mapping[str, str]
    option_id: int | None = None
    is_retired: bool = False
    remove: bool = False


def option_choice_counts(question: ApplicationQuestion) -> dict[int, int]:
    """How many answers chose each of the question's options, by option id (options nobody
    chose are absent)."""
    rows = db.session.execute(
        sa.select(answer_option.c.option_id, sa.func.count())
        .join(QuestionOption)
        .where(QuestionOption.question_id == question.id)
        .group_by(answer_option.c.option_id)
    )
    return {option_id: count for option_id, count in rows}


def option_labels(option: OptionData) -> dict[str, str]:
    """An option row's labels by language, the blank ones left out."""
    return {
        locale: label.strip()
        for locale, label in option.labels.items()
        if locale in LANGUAGE_NAMES and label.strip()
    }


def check_options(
    errors: Errors,
    main: str,
    rows: Sequence[OptionData],
    question: ApplicationQuestion | None,
) -> None:
    """Add to ``errors`` what is wrong with the option ``rows`` of a choice question (``main``:
    the course's main language): at least two offered, each with a label in the main language,
    none twice, none chosen by an applicant removed, none of another question."""
    own = {option.id: option for option in question.options} if question is not None else {}
    chosen = option_choice_counts(question) if own else {}
    seen: dict[str, set[str]] = {}
    offered = 0
    for row, option in enumerate(rows):
        labels = option_labels(option)
        name = f"options.{row}.label_{main}"
        if option.option_id is None:
            if not labels or option.remove:
                continue
        elif own.pop(option.option_id, None) is None:
            # Another question's option, or one of its own a second time.
            errors.add(name, _l("This option is not one of the question's options."))
            continue
        elif option.remove:
            times = chosen.get(option.option_id)
            if times:
                errors.add(
                    f"options.{row}.remove",
                    lazy_ngettext(
                        "%(num)d applicant chose this option, so it cannot be removed. Tick "
                        "“Retire this option” instead: new applicants no longer see it and the "
                        "answers are kept.",
                        "%(num)d applicants chose this option, so it cannot be removed. Tick "
                        "“Retire this option” instead: new applicants no longer see it and the "
                        "answers are kept.",
                        times,
                    ),
                )
            continue
        if main not in labels:
            errors.add(name, _l("Give the option in the course's main language."))
        for locale, label in labels.items():
            field_name = f"options.{row}.label_{locale}"
            check_text(errors, field_name, label, OPTION_MAX)
            if label.casefold() in seen.setdefault(locale, set()):
                errors.add(field_name, _l("Another option has this label."))
            seen[locale].add(label.casefold())
        if not option.is_retired:
            offered += 1
    if offered < MIN_OPTIONS:
        errors.add(
            "options",
            _l("Give at least %(num)d options that applicants can choose.", num=MIN_OPTIONS),
        )


def apply_options(
    question: ApplicationQuestion, kind: QuestionKind, rows: Sequence[OptionData]
) -> None:
    """Give a question of ``kind`` the options of ``rows`` (checked by :func:`check_options`),
    in their order; a question of another kind has none."""
    if not kind.has_options:
        question.options.clear()
        return
    own = {option.id: option for option in question.options}
    kept: list[QuestionOption] = []
    for row in rows:
        labels = option_labels(row)
        option = own.pop(row.option_id) if row.option_id is not None else QuestionOption()
        if row.remove or not labels:
            continue
        option.is_retired = row.is_retired
        set_texts(
            option.texts,
            labels,
            lambda locale, label: OptionText(locale=locale, label=label),
            lambda text, label: setattr(text, "label", label),
        )
        kept.append(option)
    # Options the rows do not mention stay as they are, after the others: none vanishes unasked.
    kept.extend(own.values())
    for position, option in enumerate(kept):
        option.position = position
    question.options[:] = kept
