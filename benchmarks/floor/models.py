from django.db import models


class Card(models.Model):
    """One row of the floor's table: about what a catalogue card shows."""

    name = models.CharField(max_length=255, db_index=True)
    description = models.TextField()
    tags = models.CharField(max_length=255)

    class Meta:
        app_label = "floor"
        db_table = "floor_card"
        managed = False  # created by floor.seed, so the floor needs no migrations

    def __str__(self) -> str:
        return self.name
