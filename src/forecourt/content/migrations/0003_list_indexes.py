# Indexes on what the Admin Portal's and the Admin API's lists order by (issue 15, item 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0002_home_page'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contentblock',
            index=models.Index(fields=['page', 'position', 'id'], name='contentblock_list_order'),
        ),
        migrations.AddIndex(
            model_name='menuitem',
            index=models.Index(fields=['menu', 'position', 'id'], name='menuitem_list_order'),
        ),
    ]
