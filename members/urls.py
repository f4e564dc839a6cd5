"""URLs of the members app (namespace ``members``): joining, leaving, members, profiles."""

from django.urls import path

from members.views import accounts, applications, invitations, joining, profiles

app_name = "members"

urlpatterns = [
    path("c/<slug:slug>/join/", joining.join, name="join"),
    path("c/<slug:slug>/leave/", joining.leave, name="leave"),
    path("c/<slug:slug>/members/", joining.members, name="members"),
    path("c/<slug:slug>/invite/", invitations.invite, name="invite"),
    path("c/<slug:slug>/applications/", applications.applications, name="applications"),
    path("c/<slug:slug>/applications/<int:pk>/", applications.application, name="application"),
    path(
        "c/<slug:slug>/applications/<int:pk>/withdraw/",
        applications.withdraw_application,
        name="withdraw_application",
    ),
    path("invitations/", invitations.invitations, name="invitations"),
    path("invitations/<int:pk>/", invitations.invitation, name="invitation"),
    path(
        "invitations/<int:pk>/decline/", invitations.decline_invitation, name="decline_invitation"
    ),
    # what platform staff did to accounts and content, public like the moderation logs
    path("platform/log/", accounts.platform_log, name="platform_log"),
    path("u/<str:username>/", profiles.profile, name="profile"),
    path("avatars/<str:letters>-<int:shade>.svg", profiles.default_avatar, name="default_avatar"),
    path("u/<str:username>/avatar/<str:key>.webp", profiles.avatar, name="avatar"),
    path("u/<str:username>/edit/", profiles.profile_edit, name="profile_edit"),
    # only for the user themself: all their data, and deleting the account
    path("u/<str:username>/export.json", accounts.export_data, name="export_data"),
    path("u/<str:username>/delete/", accounts.account_delete, name="account_delete"),
    # the relationships page (only for the user themself) lives with the health pages
]
