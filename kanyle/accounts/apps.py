from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kanyle.accounts"
    label = "accounts"

    def ready(self) -> None:
        from kanyle.accounts import signals  # noqa: F401  (connects the lockout receiver)
