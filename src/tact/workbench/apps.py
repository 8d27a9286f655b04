from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "tact.workbench"
    label = "workbench"
