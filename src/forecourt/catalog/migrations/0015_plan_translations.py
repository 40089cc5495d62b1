"""An optional version per language of the plan's text (forecourt.i18n.content): a nullable column, so the
release still serving inserts rows without it.

One table per migration: on PostgreSQL an ALTER TABLE holds that table's exclusive lock until its
transaction commits, and one transaction altering several tables that the release still serving reads
together deadlocked against its catalogue query in the rolling-upgrade rehearsal. Each migration is
atomic, so a crash leaves a table either altered and recorded or neither."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0014_catalogue_translations'),
    ]

    operations = [
        migrations.AddField(
            model_name='plan',
            name='translations',
            field=models.JSONField(blank=True, default=dict, help_text='The text in other languages, field by field: {"de": {"description": "..."}}.', null=True),
        ),
    ]
