"""The Celery app. Without CELERY_BROKER_URL every task runs inline (always eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tact.settings")

app = Celery("tact")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
