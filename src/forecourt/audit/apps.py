from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "forecourt.audit"
    label = "audit"
    verbose_name = "Audit log"
