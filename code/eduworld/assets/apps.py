from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "eduworld.assets"
    label = "assets"

    def ready(self):
        from . import files  # noqa: F401  (connects the signal that removes deleted files)
