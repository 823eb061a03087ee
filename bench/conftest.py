"""The test suite's fixtures (app, real database emptied after each benchmark, client)."""

from tests.conftest import app, client, db  # noqa: F401
