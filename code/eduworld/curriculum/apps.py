from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "eduworld.curriculum"
    label = "curriculum"
