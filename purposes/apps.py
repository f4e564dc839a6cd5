from django.apps import AppConfig


class PurposesConfig(AppConfig):
    name = "purposes"
    verbose_name = "Charters and proposals"
