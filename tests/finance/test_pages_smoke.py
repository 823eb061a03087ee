from decimal import Decimal

from app.finance import fellowships
from app.finance.models import FellowshipKind
from tests.conftest import login
from tests.factories import make_registration, make_user


def test_smoke(client, course, neighbour, organiser):
    fund = fellowships.save_fund(
        course, funder="SDC", full_count=2, partial_count=3, budget=Decimal("9000"), actor=organiser
    )
    r = make_registration(course, make_user(name="Ana Souza"))
    fellowships.award(r, fund, FellowshipKind.PARTIAL, amount=Decimal("900"), actor=organiser)
    from app.extensions import db

    db.session.commit()
    login(client, organiser)
    for url in [
        f"/courses/{course.slug}/fees",
        f"/courses/{course.slug}/fellowships",
        f"/courses/{course.slug}/fellowships/funds/{fund.id}",
        f"/courses/{course.slug}/participants/{r.id}",
        f"/courses/{course.slug}",
    ]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.data[:3000])
    login(client, r.user)
    for url in ["/my/courses", f"/my/registrations/{r.id}/billing"]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.data[:3000])
