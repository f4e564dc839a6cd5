"""URLs of the members app (namespace ``members``): joining, leaving, members, profiles."""

from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("c/<slug:slug>/join/", views.join, name="join"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("c/<slug:slug>/invite/", views.invite, name="invite"),
    path("c/<slug:slug>/applications/", views.applications, name="applications"),
    path("c/<slug:slug>/applications/<int:pk>/", views.application, name="application"),
    path(
        "c/<slug:slug>/applications/<int:pk>/withdraw/",
        views.withdraw_application,
        name="withdraw_application",
    ),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/", views.invitation, name="invitation"),
    path("invitations/<int:pk>/decline/", views.decline_invitation, name="decline_invitation"),
    # what platform staff did to accounts and content, public like the moderation logs
    path("platform/log/", views.platform_log, name="platform_log"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("avatars/<str:letters>-<int:shade>.svg", views.default_avatar, name="default_avatar"),
    path("u/<str:username>/avatar/<str:key>.webp", views.avatar, name="avatar"),
    path("u/<str:username>/edit/", views.profile_edit, name="profile_edit"),
    # only for the user themself (issue 9): all their data, and deleting the account
    path("u/<str:username>/export.json", views.export_data, name="export_data"),
    path("u/<str:username>/delete/", views.account_delete, name="account_delete"),
    # only for the user themself (issue 7); the view lives with the health pages
]
