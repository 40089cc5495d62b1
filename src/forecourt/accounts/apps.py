from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forecourt.accounts"
    label = "accounts"
    verbose_name = "Accounts"
