"""The blog in a real browser (Debian's chromium driven by Playwright): a visitor opens the blog's
index, follows a post, and sees its Markdown rendered (and a script in it not run). Screenshots go to
test-artifacts/blog/ (git-ignored)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from forecourt.blog.models import Category, Post

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "blog"


def test_a_visitor_reads_the_blog(browser, live_server):
    news = Category.objects.create(name="News")
    tips = Post.objects.create(title="Ten tips", path="ten-tips", status=Post.Status.PUBLISHED, lede="Read this.",
                               author_name="Ada", published_at=timezone.now() - timedelta(hours=1),
                               content="## Keep keys safe\n\nUse **vaults**.\n\n<script>window.pwned = 1</script>")
    tips.categories.set([news])
    Post.objects.create(title="Secret draft", path="draft", published_at=timezone.now() - timedelta(hours=1))

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/blog")
    assert page.locator("h1").inner_text() == "Blog"
    assert page.locator(".blog-card h2").all_inner_texts() == ["Ten tips"]
    assert page.locator('link[rel="alternate"]').get_attribute("href") == "/blog/feed.atom"
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)

    page.get_by_role("link", name="Ten tips").click()
    page.wait_for_url("**/blog/ten-tips")
    assert page.locator(".blog-content h2").inner_text() == "Keep keys safe"
    assert page.locator(".blog-content strong").inner_text() == "vaults"
    assert page.evaluate("window.pwned") is None
    assert "News" in page.locator(".blog-meta").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "post.png"), full_page=True)
    context.close()
