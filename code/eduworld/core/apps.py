from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "eduworld.core"
    label = "core"
    verbose_name = "EduWorld core: health, errors, idempotent writes"

    def ready(self):
        from . import checks  # noqa: F401  (registers the unique-rule check)
