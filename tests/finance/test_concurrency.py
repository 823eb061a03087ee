"""Two organisers award at the same second, each in their own worker (thread, connection and
transaction), against the real database: the fund's limits hold (the fund's row lock on
PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.extensions import db
from app.finance import fellowships
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind
from app.registration.models import Registration, RegistrationEvent
from tests.factories import make_registration, make_user

D = Decimal


def _award_in_own_worker(
    app: Flask,
    ids: tuple[int, int, int],
    kind: FellowshipKind,
    amount: Decimal | None,
    barrier: threading.Barrier,
    outcomes: list[str],
) -> None:
    registration_id, fund_id, actor_id = ids
    with app.app_context():
        try:
            registration = db.session.get(Registration, registration_id)
            fund = db.session.get(FellowshipFund, fund_id)
            actor = db.session.get(User, actor_id)
            registration.course  # noqa: B018 - loaded before the race
            # Give the pooled connection back while waiting, so the pool cannot run dry.
            db.session.commit()
            barrier.wait(timeout=30)
            fellowships.award(registration, fund, kind, amount=amount, actor=actor)
            db.session.commit()
            outcomes.append("awarded")
        except fellowships.FellowshipUnavailable as exc:
            db.session.rollback()
            outcomes.append(str(exc))
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def race(app, fund, registrations, actors, kind, amount=None) -> Counter:
    db.session.commit()
    jobs = [
        ((r.id, fund.id, actors[n % len(actors)].id), kind, amount)
        for n, r in enumerate(registrations)
    ]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_award_in_own_worker, args=(app, ids, k, a, barrier, outcomes))
        for ids, k, a in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    return Counter(outcomes)


def stored(fund) -> tuple[int, int]:
    awards = db.session.scalar(
        sa.select(sa.func.count()).select_from(Fellowship).where(Fellowship.fund_id == fund.id)
    )
    events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RegistrationEvent)
        .where(RegistrationEvent.action == "fellowship_awarded")
    )
    return awards, events


def test_two_organisers_award_the_last_full_fellowship_at_once(
    app, course, neighbour, organiser, colleague
):
    fund = fellowships.save_fund(
        course, funder="SDC", full_count=1, partial_count=None, budget=None, actor=organiser
    )
    ana = make_registration(course, make_user(name="Ana Souza"))
    bruno = make_registration(course, make_user(name="Bruno Souza"))
    outcomes = race(app, fund, [ana, bruno], [organiser, colleague], FellowshipKind.FULL)
    assert outcomes == {
        "awarded": 1,
        "SDC has no full fellowship left: all 1 are awarded.": 1,
    }, outcomes
    # The neighbour's two awards, and this one.
    assert stored(fund) == (1, 3)


def test_many_awards_at_once_stop_at_the_budget(app, course, organiser, colleague):
    # 2,000 each against 7,000: three fit, to the cent of what is left.
    fund = fellowships.save_fund(
        course,
        funder="SDC",
        full_count=None,
        partial_count=None,
        budget=D("7000"),
        actor=organiser,
    )
    people = [make_registration(course, make_user(name=f"Ana Souza {n}")) for n in range(6)]
    outcomes = race(
        app, fund, people, [organiser, colleague], FellowshipKind.PARTIAL, amount=D("2000")
    )
    assert outcomes["awarded"] == 3, outcomes
    assert sum(outcomes.values()) == 6
    assert set(outcomes) == {
        "awarded",
        "The budget of SDC has €1,000.00 left, not enough for this fellowship (€2,000.00).",
    }, outcomes
    assert stored(fund) == (3, 3)
    assert fellowships.usage(fund).amount == D("6000.00")
