"""Django admin for members: accounts, and read-only lists of memberships, applications
and invitations.

Nobody, staff and superusers included, adds, changes or deletes a membership, an
application or an invitation here (R1, R2): those come only from the user's own actions.
Accounts are shown, never edited: no password, email, profile or flag is set for someone
else, no account is added or deleted (a member deletes their own). The one change staff
make is a lock (or unlock) for an abuse or legal reason, through ``check_lock_account``,
shown with its reason in the public platform log.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from community.models import in_members_only_community
from core.admin import ListOnlyAdmin, ReadOnlyAdmin
from members import accounts, permissions
from members.models import Application, Invitation, Membership, User


class LockForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Reason (abuse or legal), shown in the public platform log"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=accounts.MAX_LOCK_REASON_CHARS,
    )


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "date_joined")
    list_display += ("lock_link",)
    list_filter = ("is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "display_name", "email", "bio", "date_joined")}),
        ("Account", {"fields": ("is_active", "lock_link", "is_staff", "is_superuser")}),
    )

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/lock/", wrap(self.lock_view), name="members_user_lock"),
            path("<int:pk>/unlock/", wrap(self.unlock_view), name="members_user_unlock"),
            *super().get_urls(),
        ]

    @admin.display(description=_lazy("lock"))
    def lock_link(self, user):
        if user.is_active:
            return format_html(
                '<a href="{}">{}</a>', reverse("admin:members_user_lock", args=[user.pk]), _("Lock")
            )
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:members_user_unlock", args=[user.pk]), _("Unlock")
        )

    def lock_view(self, request, pk):
        return self._lock_page(request, pk, lock=True)

    def unlock_view(self, request, pk):
        return self._lock_page(request, pk, lock=False)

    def _lock_page(self, request, pk, *, lock: bool):
        """Parse → access → action → render, as a view: the reason is required."""
        user = get_object_or_404(User, pk=pk)
        if not permissions.can_lock_account(request.user, user):
            raise PermissionDenied
        form = LockForm(request.POST or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                act = accounts.check_lock_account if lock else accounts.check_unlock_account
                try:
                    act(actor=request.user, user=user, reason=form.cleaned_data["reason"])
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    done = _("Locked %(name)s.") if lock else _("Unlocked %(name)s.")
                    messages.success(request, done % {"name": user.username})
                    return redirect("admin:members_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "account": user,
            "form": form,
            "lock": lock,
            "title": (_("Lock %(name)s") if lock else _("Unlock %(name)s"))
            % {"name": user.username},
        }
        return TemplateResponse(request, "admin/members/user/lock.html", context, status=status)


@admin.register(Membership)
class MembershipAdmin(ListOnlyAdmin):
    list_display = ("user", "community", "role", "joined_at", "left_at", "affirmed_charter")
    list_filter = ("role",)
    search_fields = ("user__username", "community__slug")
    list_select_related = ("user", "community", "affirmed_charter__community")
    hidden_rows = in_members_only_community()


@admin.register(Application)
class ApplicationAdmin(ListOnlyAdmin):
    list_display = ("user", "community", "state", "created_at", "decided_by", "decided_at")
    list_filter = ("state",)
    search_fields = ("user__username", "community__slug")
    list_select_related = ("user", "community", "decided_by")
    hidden_rows = in_members_only_community()


@admin.register(Invitation)
class InvitationAdmin(ListOnlyAdmin):
    list_display = ("invitee", "community", "inviter", "state", "created_at", "expires_at")
    list_filter = ("state",)
    search_fields = ("invitee__username", "community__slug")
    list_select_related = ("invitee", "community", "inviter")
    hidden_rows = in_members_only_community()
