# Indexes on what the Admin Portal's and the Admin API's lists order by (issue 15, item 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='emaillog',
            index=models.Index(fields=['created_at', 'id'], name='emaillog_list_order'),
        ),
    ]
