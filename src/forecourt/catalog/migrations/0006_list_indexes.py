# Indexes on what the Admin Portal's and the Admin API's lists order by (issue 15, item 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_served_documents'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='plan',
            index=models.Index(fields=['display_name', 'id'], name='plan_list_order'),
        ),
        migrations.AddIndex(
            model_name='productapi',
            index=models.Index(fields=['name', 'id'], name='productapi_list_order'),
        ),
        migrations.AddIndex(
            model_name='productdoc',
            index=models.Index(fields=['product', 'position', 'id'], name='productdoc_list_order'),
        ),
    ]
