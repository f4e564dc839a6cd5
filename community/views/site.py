from celery import current_app
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from community.models import Community
from members import selectors as member_selectors
from members.models import Membership


@require_GET
def home(request):
    """The front page: your communities first, then the liveliest ones to discover."""
    yours = []
    if request.user.is_authenticated:
        yours = list(
            Membership.objects.current()
            .filter(user=request.user)
            .select_related("community")
            .order_by("-community__last_activity_at")
        )
    lively = member_selectors.directory_communities(state=Community.State.ACTIVE)[:6]
    return render(request, "site/front.html", {"yours": yours, "lively": lively})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    # The project's Celery app, set as current when config loads it: nothing imports config.
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: 200 when the database and the broker both answer."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "unavailable" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without a request context: the failure may be in a context processor.
    return render(None, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)
