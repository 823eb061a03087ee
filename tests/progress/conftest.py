"""The finished Turin course of the certificates' tests (20-24 Nov 2017, Europe/Rome), its
required action plan due 20 Dec 2017 at 23:59, and the busy sister course beside it."""

from tests.certificates.conftest import (  # noqa: F401  (fixtures)
    course,
    eligible,
    neighbour,
    organiser,
    participant,
    required_assignment,
)
