"""Settings of the load test (bench/load.py): the production settings unchanged (DEBUG,
SECRET_KEY, ALLOWED_HOSTS, the database and Redis all come from the environment, as in
production), except that collectstatic writes under the run's own folder instead of the
checkout's ``staticfiles/``. Never used by the real site."""

from config.settings import *  # noqa: F403
from config.settings import VAR_DIR

STATIC_ROOT = VAR_DIR / "static"
