"""The mail tests' real SMTP server (aiosmtpd on a free port), for the fault tests."""

from tests.mail.conftest import smtp, smtp_server  # noqa: F401
