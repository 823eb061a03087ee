"""Flask extensions, created unbound and initialised in :func:`app.create_app`."""

import ipaddress

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the views (``@limiter.limit(...)``) and keyed by the client's address
# (behind a reverse proxy, see TRUSTED_PROXIES; an IPv6 client by its /64 network, which one
# household or host is usually given whole). The limiter is one object for the process,
# but a process may build several apps (the tests do): whether limits apply is each app's own
# RATELIMIT_ENABLED, read at every request, see app.core.security.init_rate_limits.
limiter = Limiter(key_func=lambda: client_key())


def client_key() -> str:
    """The rate limits' key for the client: an IPv4 address as it is, an IPv6 one as its /64
    (a single host often has a whole /64 and could take a fresh address for every attempt)."""
    address = request.remote_addr or "127.0.0.1"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@limiter.request_filter
def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)
