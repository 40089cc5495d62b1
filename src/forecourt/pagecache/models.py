from django.db import models


class Revision(models.Model):
    """One row (pk=1): the revision of everything anonymous Live Portal pages show.

    `token` is a new random value at every change, not a counter: a cache shared by two portals (or
    a database restored from a backup) can then never confuse one state of the content with another.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "content revision"

    def __str__(self) -> str:
        return f"content revision {self.token}"
