# Indexes on what the Admin Portal's and the Admin API's lists order by (issue 15, item 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_organisation_request_reason'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='invitecode',
            index=models.Index(fields=['created_at', 'id'], name='invitecode_list_order'),
        ),
        migrations.AddIndex(
            model_name='organisationrequest',
            index=models.Index(fields=['created_at', 'id'], name='orgrequest_list_order'),
        ),
    ]
