"""Settings for benchmarking: the real site's settings, DEBUG off, plus two
ceiling views in a bench-only URLconf (``bench.urls``). Never used by the real site.

The runner sets SECRET_KEY, ALLOWED_HOSTS and COMMONS_VAR_DIR in the environment.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
# Web and worker share one machine here: the folder broker, chosen explicitly.
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
# The real settings refuse DEBUG off without a shared cache; the benchmark runs without
# Redis on one machine and never reaches a rate limit, so it keeps the local-memory cache
# (set back below, after the check).
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from config.settings import *  # noqa: E402, F403
from config.settings import BASE_DIR, TEMPLATES, VAR_DIR  # noqa: E402

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
# collectstatic writes here, so a bench run leaves the checkout untouched.
STATIC_ROOT = VAR_DIR / "static"
# Plain HTTP on 127.0.0.1: cookies must travel without TLS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# wrk reads the API from one address with one token, thousands of times a minute: the
# limits still count every request (their cost is measured), but none is refused. The
# limits themselves are tested in tests/api.
API_RATE_TOKEN_PER_MINUTE = API_RATE_MEMBER_PER_MINUTE = API_RATE_ANONYMOUS_PER_MINUTE = 10**9
