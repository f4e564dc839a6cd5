from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from django.template.loader import render_to_string

        from core import pagecache

        def site_nav(request, args):
            return {"": render_to_string("_partials/_site_nav.html", request=request)}

        pagecache.register_hole("site-nav", site_nav)
