# Indexes on what the Admin Portal's and the Admin API's lists order by (issue 15, item 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0007_credential_gateway_key'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='accessrequest',
            index=models.Index(fields=['created_at', 'id'], name='access_request_list_order'),
        ),
        migrations.AddIndex(
            model_name='app',
            index=models.Index(fields=['name', 'id'], name='app_list_order'),
        ),
        migrations.AddIndex(
            model_name='credential',
            index=models.Index(fields=['created_at', 'id'], name='credential_list_order'),
        ),
    ]
