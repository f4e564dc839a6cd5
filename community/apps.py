from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Communities"

    def ready(self):
        from community.templatetags import read_marks
        from core import pagecache

        pagecache.register_hole(read_marks.HOLE, read_marks.fill)
