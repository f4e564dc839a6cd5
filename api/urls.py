"""URLs of the api app (namespace ``api``): the token and webhook settings pages. The API
itself is mounted at /api/v1/ by the root URLconf (``api.views.site.api``)."""

from django.urls import path

from api.views import tokens, webhooks

app_name = "api"

urlpatterns = [
    path("settings/tokens/", tokens.token_settings, name="tokens"),
    path("settings/tokens/<int:pk>/revoke/", tokens.revoke_token, name="revoke_token"),
    path("settings/webhooks/", webhooks.webhook_settings, name="webhooks"),
    path("settings/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook"),
    path("settings/webhooks/<int:pk>/delete/", webhooks.delete_webhook, name="delete_webhook"),
    path("settings/webhooks/<int:pk>/enable/", webhooks.enable_webhook, name="enable_webhook"),
]
