from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    """A community's archive: the file it takes with it when it leaves an instance."""

    name = "portability"
