"""URLs of notifications (namespace ``notifications``): the list, reading, settings."""

from django.urls import path
from django.views.generic import RedirectView

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("unread/", views.unread, name="unread"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/read/", views.read, name="read"),
    path("<int:pk>/open/", views.open_, name="open"),
    path("settings/", views.settings_, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The digest's frequency moved to the one settings page; old links and emails land there.
    path(
        "digest/",
        RedirectView.as_view(pattern_name="notifications:settings", permanent=True),
        name="digest_settings",
    ),
]
