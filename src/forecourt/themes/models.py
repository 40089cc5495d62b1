"""Uploaded themes live in the database, so every replica serves the same files and a database
backup holds them. The bundled `default` theme and operators' folder themes are not rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.Model):
    """An uploaded theme: its manifest, and a revision that changes with every upload so that
    each process knows when its compiled templates are stale."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    version = models.CharField(_("version"), max_length=32)
    author = models.CharField(_("author"), max_length=255, blank=True)
    base = models.CharField(_("base"), max_length=32, blank=True,
                            help_text=_("The default-theme version it was derived from."))
    manifest = models.JSONField(_("manifest"), default=dict)
    revision = models.CharField(_("revision"), max_length=32)
    size = models.PositiveBigIntegerField(_("size"), default=0, help_text=_("Total bytes of its files."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ThemeFile(models.Model):
    """One file of a theme. `path` is the server's validated relative path, never the upload's raw name."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["theme", "path"], name="themes_file_unique_path")]

    def __str__(self) -> str:
        return self.path


class ThemeState(models.Model):
    """One row: which theme is active, and the last theme problem the Admin Portal shows as a banner."""

    active = models.CharField(max_length=64, blank=True,
                              help_text="Empty: the Theming.Theme setting (PORTAL_THEMING_THEME) decides.")
    activated_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True)
    problem_theme = models.CharField(max_length=64, blank=True)
    problem_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"active theme: {self.active or '(setting)'}"

    @classmethod
    def load(cls) -> "ThemeState":
        state, _ = cls.objects.get_or_create(pk=1)
        return state
