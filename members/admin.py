"""Django admin for members: users, and read-only lists of memberships, applications and
invitations.

Nobody, staff and superusers included, adds, changes or deletes a membership, an
application or an invitation here (R1, R2): those come only from the user's own actions.
The lists exist so that staff can answer questions; there is no change page to open.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import PermissionDenied

from . import usernames
from .models import Application, Invitation, Membership, User


class _UsernameRule:
    """Renaming in the admin follows the sign-up rule (``members.usernames``)."""

    def clean_username(self):
        inherited = getattr(super(), "clean_username", None)
        username = inherited() if inherited else self.cleaned_data["username"]
        usernames.validate_username(username, user=self.instance)
        return username


class UserChangeForm(_UsernameRule, BaseUserChangeForm):
    pass


class UserCreationForm(_UsernameRule, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (*BaseUserAdmin.fieldsets, ("Profile", {"fields": ("display_name", "bio")}))
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "date_joined")
    search_fields = ("username", "display_name", "email")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list to look at: no add, change or delete, no change page, no bulk actions."""

    list_display_links = None
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "community", "role", "joined_at", "left_at", "affirmed_charter")
    list_filter = ("role",)
    search_fields = ("user__username", "community__slug")
    list_select_related = ("user", "community", "affirmed_charter__community")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("user", "community", "state", "created_at", "decided_by", "decided_at")
    list_filter = ("state",)
    search_fields = ("user__username", "community__slug")
    list_select_related = ("user", "community", "decided_by")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("invitee", "community", "inviter", "state", "created_at", "expires_at")
    list_filter = ("state",)
    search_fields = ("invitee__username", "community__slug")
    list_select_related = ("invitee", "community", "inviter")
