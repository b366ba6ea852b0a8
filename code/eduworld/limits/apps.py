from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "eduworld.limits"
    label = "limits"
    verbose_name = "Abuse limits: failed sign-ins and pairings, counted on both hosts"
