from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "eduworld.boards"
    label = "boards"
