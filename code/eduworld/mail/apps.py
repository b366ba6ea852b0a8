from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "eduworld.mail"
    label = "mail"
    verbose_name = "Mail: the outbox, its deliveries and the senders' leases"
