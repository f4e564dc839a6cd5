"""The root URLconf: the site's wiring. Nothing imports it."""

from django.contrib import admin
from django.urls import include, path

from .views import site

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("", include("community.routes")),
    path("", include("members.urls")),
    path("", include("purposes.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "community.views.site.bad_request"
handler403 = "community.views.site.permission_denied"
handler404 = "community.views.site.page_not_found"
handler500 = "community.views.site.server_error"
