from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forecourt.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from forecourt.notify import locale

        from .locale import recipient_locale
        from .middleware import start_lifetime

        # A session's lifetime starts at sign-in (Admin Portal, Live Portal, invitations alike).
        user_logged_in.connect(lambda sender, request, user, **kwargs: start_lifetime(request.session),
                               dispatch_uid="forecourt.accounts.session_lifetime", weak=False)
        locale.use_recipient_locale(recipient_locale)  # e-mails in their recipients' language and time zone
