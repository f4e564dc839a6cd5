from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"

    def ready(self):
        from config import site_nav
        from core import pagecache

        pagecache.register_hole("site-nav", site_nav.fill)
