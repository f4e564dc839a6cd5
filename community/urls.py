"""The root URLconf: the site's wiring. Nothing imports it."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from .views import notifications, search, site

_admin_login = admin.site.login


def admin_login(request, extra_context=None):
    """Signing in to the admin goes through allauth's login, with its rate limits and
    two-factor step: the admin's own form, which has neither, only redirects there; a
    signed-in non-staff user is refused instead of sent round in a loop (issue 9)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next", "/admin/"), "account_login")
    if not request.user.is_staff:
        raise PermissionDenied
    return _admin_login(request, extra_context)


admin.site.login = admin_login

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("", include("community.routes")),
    path("", include("members.urls")),
    path("", include("purposes.urls")),
    path("notifications/", notifications.index, name="notifications"),
    path("notifications/unread/", notifications.unread, name="notifications_unread"),
    path("notifications/read-all/", notifications.read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notifications.read, name="notifications_read"),
    path("notifications/<int:pk>/open/", notifications.open_, name="notifications_open"),
    path("notifications/settings/", notifications.settings_, name="notifications_settings"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="notifications_unsubscribe",
    ),
    path("search/", search.search, name="search"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "community.views.site.bad_request"
handler403 = "community.views.site.permission_denied"
handler404 = "community.views.site.page_not_found"
handler500 = "community.views.site.server_error"
