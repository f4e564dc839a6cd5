"""The root URLconf: the site's wiring. Nothing imports it."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "community.views.bad_request"
handler403 = "community.views.permission_denied"
handler404 = "community.views.page_not_found"
handler500 = "community.views.server_error"
