import secrets

from django.db import migrations, models
from django.utils import timezone


def create_row(apps, schema_editor):
    Revision = apps.get_model("pagecache", "Revision")
    Revision.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"token": secrets.token_hex(16), "changed_at": timezone.now()})


def delete_row(apps, schema_editor):
    apps.get_model("pagecache", "Revision").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    # Older releases change content without bumping the revision: pages cached while one serves
    # beside this release are dropped by `forecourt rebuild-derived` (a bump).
    derived_data = "the page cache's content revision"

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Revision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "content revision"},
        ),
        migrations.RunPython(create_row, delete_row),
    ]
