"""The site search's index (forecourt.sitesearch): its entries, the engine's full-text index over them
(as catalog.0004 makes the catalogue's), then the entries written for what exists."""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_CREATE = [
    # External content: the text lives once, in sitesearch_searchentry; the triggers keep FTS5 in step.
    # (Django's SQLite schema editor remakes a table it alters, which drops its triggers: a migration
    # that alters sitesearch_searchentry must create them again and rebuild the FTS table.)
    "CREATE VIRTUAL TABLE sitesearch_searchentry_fts USING fts5(title, body, "
    "content='sitesearch_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
    "prefix='2 3')",
    "CREATE TRIGGER sitesearch_searchentry_fts_insert AFTER INSERT ON sitesearch_searchentry BEGIN "
    "INSERT INTO sitesearch_searchentry_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER sitesearch_searchentry_fts_delete AFTER DELETE ON sitesearch_searchentry BEGIN "
    "INSERT INTO sitesearch_searchentry_fts(sitesearch_searchentry_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER sitesearch_searchentry_fts_update AFTER UPDATE ON sitesearch_searchentry BEGIN "
    "INSERT INTO sitesearch_searchentry_fts(sitesearch_searchentry_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO sitesearch_searchentry_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS sitesearch_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS sitesearch_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS sitesearch_searchentry_fts_insert",
    "DROP TABLE IF EXISTS sitesearch_searchentry_fts",
]
POSTGRES_CREATE = [
    # "simple": no stemming and no stop words, every language alike; the last word is a prefix (:*).
    "ALTER TABLE sitesearch_searchentry ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED",
    "CREATE INDEX sitesearch_searchentry_search ON sitesearch_searchentry USING GIN (search)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS sitesearch_searchentry_search",
    "ALTER TABLE sitesearch_searchentry DROP COLUMN IF EXISTS search",
]
MYSQL_CREATE = [
    # Without a stop-word list, as catalog.0004: read when an index is created, per session.
    "SET SESSION innodb_ft_enable_stopword = OFF",
    "CREATE FULLTEXT INDEX sitesearch_searchentry_text ON sitesearch_searchentry (title, body)",
    "CREATE FULLTEXT INDEX sitesearch_searchentry_title ON sitesearch_searchentry (title)",
    "SET SESSION innodb_ft_enable_stopword = ON",
]
MYSQL_DROP = [
    "DROP INDEX sitesearch_searchentry_title ON sitesearch_searchentry",
    "DROP INDEX sitesearch_searchentry_text ON sitesearch_searchentry",
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
    from forecourt.sitesearch import indexing

    indexing.rebuild(apps=apps, using=schema_editor.connection)


def nothing(apps, schema_editor):
    """The rows go with their table."""


class Migration(migrations.Migration):
    # Kept in step by 0.14.0's code; an older release serving beside it is not
    # (forecourt.lifecycle.migration_policy): rebuilt by `forecourt rebuild-derived`.
    derived_data = "the site search's index"

    dependencies = [
        ("catalog", "0011_product_featured"),
        ("content", "0003_list_indexes"),
        ("blog", "0001_posts_and_categories"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("owner", models.CharField(max_length=40)),
                ("kind", models.CharField(choices=[("product", "Product"), ("operation", "API operation"),
                                                   ("doc", "Getting started"), ("page", "Page"),
                                                   ("post", "Blog post")], max_length=10)),
                ("api_id", models.PositiveIntegerField(blank=True, null=True)),
                ("spec_id", models.PositiveIntegerField(blank=True, null=True)),
                ("doc_id", models.PositiveIntegerField(blank=True, null=True)),
                ("method", models.CharField(blank=True, max_length=8)),
                ("path", models.CharField(blank=True, max_length=1000)),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("position", models.PositiveIntegerField(default=0)),
                ("product", models.ForeignKey(blank=True, null=True, db_constraint=False,
                                              on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="catalog.product")),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
                "indexes": [models.Index(fields=["owner"], name="searchentry_owner")],
            },
        ),
        migrations.RunPython(create_full_text, drop_full_text),
        migrations.RunPython(build_index, nothing),
    ]
