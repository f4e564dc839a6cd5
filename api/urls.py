"""URLs of the api app (namespace ``api``): the token settings page. The API itself is
mounted at /api/v1/ by the root URLconf (``api.views.site.api``)."""

from django.urls import path

from api.views import tokens

app_name = "api"

urlpatterns = [
    path("settings/tokens/", tokens.token_settings, name="tokens"),
    path("settings/tokens/<int:pk>/revoke/", tokens.revoke_token, name="revoke_token"),
]
