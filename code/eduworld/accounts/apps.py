from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "eduworld.accounts"
    label = "accounts"
