"""The root URLconf: the site's wiring. Nothing imports it."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from api.views.site import api, unknown
from community.views import search, site

_admin_login = admin.site.login


def admin_login(request, extra_context=None):
    """Signing in to the admin goes through allauth's login, with its rate limits and
    two-factor step: the admin's own form, which has neither, only redirects there; a
    signed-in non-staff user is refused instead of sent round in a loop."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next", "/admin/"), "account_login")
    if not request.user.is_staff:
        raise PermissionDenied
    return _admin_login(request, extra_context)


admin.site.login = admin_login

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    # purposes before community: its /c/new/ would otherwise be read as /c/<slug>/
    path("", include("purposes.urls")),
    path("", include("community.urls")),
    path("", include("members.urls")),
    path("", include("moderation.urls")),
    path("", include("engagement.urls")),
    path("", include("portability.urls")),
    path("notifications/", include("notifications.urls")),
    path("search/", search.search, name="search"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown),
    path("", include("api.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "community.views.site.bad_request"
handler403 = "community.views.site.permission_denied"
handler404 = "community.views.site.page_not_found"
handler500 = "community.views.site.server_error"
