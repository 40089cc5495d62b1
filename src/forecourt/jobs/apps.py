from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "forecourt.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
