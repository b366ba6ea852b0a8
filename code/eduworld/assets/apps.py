from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "eduworld.assets"
    label = "assets"
