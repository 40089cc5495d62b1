# Each webhook header becomes a row with an ID of its own (Tyk's /webhooks/{id}/headers). The
# webhook's JSON headers stay, kept equal to the rows, so earlier releases still read them; going
# back copies the rows (with any written since) into it.

import django.db.models.deletion
from django.db import migrations, models


def headers_to_rows(apps, schema_editor):
    Webhook = apps.get_model("webhooks", "Webhook")
    WebhookHeader = apps.get_model("webhooks", "WebhookHeader")
    for hook in Webhook.objects.order_by("pk").iterator():
        seen = set()
        for name, value in (hook.headers or {}).items():
            if not isinstance(name, str) or not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            WebhookHeader.objects.create(webhook_id=hook.pk, name=name[:100], value=str(value)[:1000])


def rows_to_headers(apps, schema_editor):
    Webhook = apps.get_model("webhooks", "Webhook")
    WebhookHeader = apps.get_model("webhooks", "WebhookHeader")
    for hook in Webhook.objects.order_by("pk").iterator():
        rows = WebhookHeader.objects.filter(webhook_id=hook.pk).order_by("id")
        Webhook.objects.filter(pk=hook.pk).update(headers={row.name: row.value for row in rows})


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
        migrations.RunPython(headers_to_rows, rows_to_headers),
    ]
