from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "eduworld.accounts"
    label = "accounts"

    # --8<-- [start:last-login]
    def ready(self):
        # Django stores the time of each sign-in in the user's row (update_last_login). On
        # two hosts that write is a lost update waiting to happen: last-update-wins replaces
        # whole rows, so signing in on host1 just after a preferences change on host2 (not
        # arrived yet) puts the old preferences back on both. Nothing in EduWorld reads
        # last_login, so it is not written. (django.contrib.auth is installed before this
        # app, so its ready() has connected the receiver by now.)
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.disconnect(dispatch_uid="update_last_login")
    # --8<-- [end:last-login]
