from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Communities"

    def ready(self):
        from community.templatetags import post_marks, read_marks
        from core import pagecache

        pagecache.register_hole(read_marks.HOLE, read_marks.fill)
        post_marks.register_marks()
