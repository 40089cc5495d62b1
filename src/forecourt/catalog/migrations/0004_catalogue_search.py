"""The catalogue in SQL: the search index (forecourt.catalog.search), its engine-specific full-text
index, the public-tag rows, the indexes of the catalogue's ordering and auth-type filter; then the
index built for the products that exist."""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_CREATE = [
    # External content: the text lives once, in catalog_productsearch; the triggers keep FTS5 in step.
    # (Django's SQLite schema editor remakes a table it alters, which drops its triggers: a migration
    # that alters catalog_productsearch must create them again and rebuild the FTS table.)
    "CREATE VIRTUAL TABLE catalog_productsearch_fts USING fts5(title, body, apis, "
    "content='catalog_productsearch', content_rowid='product_id', tokenize='unicode61 remove_diacritics 2', "
    "prefix='2 3')",
    "CREATE TRIGGER catalog_productsearch_fts_insert AFTER INSERT ON catalog_productsearch BEGIN "
    "INSERT INTO catalog_productsearch_fts(rowid, title, body, apis) "
    "VALUES (new.product_id, new.title, new.body, new.apis); END",
    "CREATE TRIGGER catalog_productsearch_fts_delete AFTER DELETE ON catalog_productsearch BEGIN "
    "INSERT INTO catalog_productsearch_fts(catalog_productsearch_fts, rowid, title, body, apis) "
    "VALUES ('delete', old.product_id, old.title, old.body, old.apis); END",
    "CREATE TRIGGER catalog_productsearch_fts_update AFTER UPDATE ON catalog_productsearch BEGIN "
    "INSERT INTO catalog_productsearch_fts(catalog_productsearch_fts, rowid, title, body, apis) "
    "VALUES ('delete', old.product_id, old.title, old.body, old.apis); "
    "INSERT INTO catalog_productsearch_fts(rowid, title, body, apis) "
    "VALUES (new.product_id, new.title, new.body, new.apis); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalog_productsearch_fts_update",
    "DROP TRIGGER IF EXISTS catalog_productsearch_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_productsearch_fts_insert",
    "DROP TABLE IF EXISTS catalog_productsearch_fts",
]
POSTGRES_CREATE = [
    # "simple": no stemming and no stop words, so every language is searched alike; the last word of a
    # search is a prefix (to_tsquery's :*), which is what stemming would otherwise be for.
    "ALTER TABLE catalog_productsearch ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, apis), 'C')) STORED",
    "CREATE INDEX catalog_productsearch_search ON catalog_productsearch USING GIN (search)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS catalog_productsearch_search",
    "ALTER TABLE catalog_productsearch DROP COLUMN IF EXISTS search",
]
MYSQL_CREATE = [
    # Without a stop-word list: "the", "about", "will"... are product names' words too, and a required
    # stop word would make a boolean search find nothing. Read when an index is created, per session.
    "SET SESSION innodb_ft_enable_stopword = OFF",
    "CREATE FULLTEXT INDEX catalog_productsearch_text ON catalog_productsearch (title, body, apis)",
    "CREATE FULLTEXT INDEX catalog_productsearch_title ON catalog_productsearch (title)",
    "SET SESSION innodb_ft_enable_stopword = ON",
]
MYSQL_DROP = [
    "DROP INDEX catalog_productsearch_title ON catalog_productsearch",
    "DROP INDEX catalog_productsearch_text ON catalog_productsearch",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create_full_text(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE, "mysql": MYSQL_CREATE}.get(vendor, []))


def drop_full_text(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP, "mysql": MYSQL_DROP}.get(vendor, []))


def build_index(apps, schema_editor):
    from forecourt.catalog import search

    search.rebuild(models=apps, using=schema_editor.connection)


def nothing(apps, schema_editor):
    """The rows go with their tables."""


class Migration(migrations.Migration):
    # Kept in step with the products by 0.8.0's code; an older release serving beside it is not
    # (forecourt.lifecycle.migration_policy): rebuilt by `forecourt rebuild-derived`.
    derived_data = "the catalogue's search index"

    dependencies = [
        ('catalog', '0003_portal_owned_documents_and_sync_problems'),
        ('providers', '0002_provider_sync_lock_until_provider_sync_problems'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductSearch',
            fields=[
                ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_row', serialize=False, to='catalog.product')),
                ('title', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('apis', models.TextField(blank=True)),
            ],
            options={
                'verbose_name': 'product search entry',
            },
        ),
        migrations.CreateModel(
            name='ProductTag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tag', models.CharField(max_length=255)),
                ('folded', models.CharField(max_length=255)),
            ],
            options={
                'ordering': ['folded'],
            },
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(fields=['display_name', 'id'], name='product_catalogue_order'),
        ),
        migrations.AddIndex(
            model_name='productapi',
            index=models.Index(fields=['auth_type', 'product'], name='productapi_auth_type'),
        ),
        migrations.AddField(
            model_name='producttag',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='public_tag_rows', to='catalog.product'),
        ),
        migrations.AddIndex(
            model_name='producttag',
            index=models.Index(fields=['folded', 'product'], name='producttag_folded'),
        ),
        migrations.AddConstraint(
            model_name='producttag',
            constraint=models.UniqueConstraint(fields=('product', 'folded'), name='one_public_tag_per_product'),
        ),
        migrations.RunPython(create_full_text, drop_full_text),
        migrations.RunPython(build_index, nothing),
    ]
