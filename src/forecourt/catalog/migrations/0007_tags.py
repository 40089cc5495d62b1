# Tyk's tags with IDs for the Admin API (issue 16): a new table, so an older release serving beside it is unaffected.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Tag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('folded', models.CharField(max_length=100, unique=True)),
            ],
            options={
                'ordering': ['folded'],
            },
        ),
    ]
