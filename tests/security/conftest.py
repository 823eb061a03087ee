"""Fixtures shared by the property tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts.models import User
from app.extensions import db
from tests.conftest import login


@pytest.fixture
def client_for(app: Flask) -> Callable[[User | None], FlaskClient]:
    """A client per example, signed in as the user given, so that no cookie is carried from
    one example to the next."""

    def make(user: User | None = None) -> FlaskClient:
        db.session.commit()  # what the example built
        client = app.test_client()
        if user is not None:
            login(client, user)
        return client

    return make
