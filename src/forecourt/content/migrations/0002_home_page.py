"""Seed the home page ("/", template "home") with the default theme's two blocks, so admins edit
its words instead of a theme. Reversing removes it only if it is still the seeded, unchanged page."""

from django.db import migrations

TITLE = "Home"
BLOCKS = [
    ("HeaderTitle", "Build with our APIs"),
    ("HeaderDescription", "Browse the catalogue, read the documentation and get credentials for your applications."),
]


def seed(apps, schema_editor):
    Page = apps.get_model("content", "Page")
    ContentBlock = apps.get_model("content", "ContentBlock")
    if Page.objects.filter(path="/").exists():
        return
    page = Page.objects.create(title=TITLE, path="/", template="home", status="published")
    ContentBlock.objects.bulk_create([ContentBlock(page=page, name=name, content=content, position=n)
                                      for n, (name, content) in enumerate(BLOCKS)])


def unseed(apps, schema_editor):
    Page = apps.get_model("content", "Page")
    page = Page.objects.filter(path="/", title=TITLE, template="home").first()
    if page is None:
        return
    blocks = sorted(page.blocks.values_list("name", "content"))
    if blocks == sorted(BLOCKS) and not page.menu_items.exists():
        page.blocks.all().delete()
        page.delete()


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
