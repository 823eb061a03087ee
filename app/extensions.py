"""Flask extensions, created unbound and initialised in :func:`app.create_app`."""

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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
# (behind a reverse proxy, see TRUSTED_PROXIES). The limiter is one object for the process,
# but a process may build several apps (the tests do): whether limits apply is each app's own
# RATELIMIT_ENABLED, read at every request, see app.core.security.init_rate_limits.
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)
