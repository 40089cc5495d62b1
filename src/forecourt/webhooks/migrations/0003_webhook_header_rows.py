# Each webhook header becomes a row with an ID of its own (Tyk's /webhooks/{id}/headers). The
# webhook's JSON headers stay, kept equal to the rows in the same transaction by every write
# (webhooks/headers.py), so earlier releases still read them. Going back therefore only drops the
# rows: the JSON already holds every header written since, and rewriting it from the rows would
# change values the upgrade never touched (a JSON value that is not a set of names, say).

import django.db.models.deletion
from django.db import migrations, models


def headers_to_rows(apps, schema_editor):
    Webhook = apps.get_model("webhooks", "Webhook")
    WebhookHeader = apps.get_model("webhooks", "WebhookHeader")
    for hook in Webhook.objects.order_by("pk").iterator():
        if not isinstance(hook.headers, dict):  # not a set of names: nothing to move, and left as it is
            continue
        seen = set()
        for name, value in hook.headers.items():
            if not isinstance(name, str) or not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            WebhookHeader.objects.create(webhook_id=hook.pk, name=name[:100], value=str(value)[:1000])


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0002_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookHeader',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('value', models.CharField(blank=True, max_length=1000)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('webhook', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='header_rows', to='webhooks.webhook')),
            ],
            options={
                'verbose_name': 'webhook header',
                'ordering': ['webhook', 'id'],
                'constraints': [models.UniqueConstraint(fields=('webhook', 'name'), name='webhookheader_unique_name')],
            },
        ),
        # Going back drops the table: the JSON, kept equal by every write, already holds the headers.
        migrations.RunPython(headers_to_rows, migrations.RunPython.noop),
    ]
