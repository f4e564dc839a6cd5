"""The admin app of Commons: Django's, minus the pages of other apps that let staff act
as a member (R2). Replaces ``django.contrib.admin`` in INSTALLED_APPS."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class CommonsAdminConfig(AdminConfig):
    def ready(self):
        # Every app's admin module is registered by now (autodiscover, in super().ready()).
        super().ready()
        # Models can only be imported once apps are ready, hence here.
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from django.contrib.auth.models import Group
        from django.contrib.sites.models import Site

        from community.admin import SiteAdmin

        # An email address staff add (verified) to someone's account, then a password
        # reset sent to it, is a takeover; a two-factor device staff add, or whose secret
        # they read, is one too. Groups hand out admin permissions that grant nothing now.
        for model in (EmailAddress, Authenticator, Group, Site):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
        admin.site.register(Site, SiteAdmin)
