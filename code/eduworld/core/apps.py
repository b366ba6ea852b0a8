from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "eduworld.core"
    label = "core"
    verbose_name = "EduWorld core: health, errors, idempotent writes"
