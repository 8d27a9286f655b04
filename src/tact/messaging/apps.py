import logging

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "tact.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # WeasyPrint logs every layout step at INFO; a batch of letters would flood the log.
        # (Better in settings.LOGGING; until then, here, before any letter is rendered.)
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
