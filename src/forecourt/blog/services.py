"""THE rule of which posts visitors see, and the rules of a post's path and a category's name
(the forms, so both admin interfaces, call them)."""

import re

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Category, Post

PATH = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_PATH = 255


def visible_posts() -> QuerySet[Post]:
    """The posts the Live Portal shows, newest first: published, with a publish date that has come.
    A draft or a post still to come is, for a visitor, a post that does not exist (404)."""
    return Post.objects.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now()).order_by(
        "-published_at", "-pk")


def visible_post(path: str) -> Post | None:
    if not PATH.fullmatch(path or "") or len(path) > MAX_PATH:
        return None
    return visible_posts().filter(path=path).first()


def check_path(raw: str, post: Post | None = None) -> str:
    """`raw` as a post's path (the part after /blog/), unused by another post; else ValidationError."""
    path = (raw or "").strip().strip("/")
    if not path:
        raise ValidationError(_("A post needs a path, e.g. ten-tips (it is served at /blog/ten-tips)."))
    if len(path) > MAX_PATH:
        raise ValidationError(_("A path has at most %(count)s characters.") % {"count": MAX_PATH})
    if not PATH.fullmatch(path):
        raise ValidationError(_("A path is made of lower-case letters and digits, words joined by '-' "
                                "(e.g. ten-tips)."))
    others = Post.objects.filter(path=path)
    if post is not None and post.pk is not None:
        others = others.exclude(pk=post.pk)
    if others.exists():
        raise ValidationError(_("Another post is at %(path)s already.") % {"path": path})
    return path


def check_category_name(raw: str, category: Category | None = None) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationError(_("A category needs a name."))
    # Compared without case: MySQL's unique index would, and two "News" categories would confuse readers.
    others = Category.objects.filter(name__iexact=name)
    if category is not None and category.pk is not None:
        others = others.exclude(pk=category.pk)
    if others.exists():
        raise ValidationError(_("There is a category named %(name)s already.") % {"name": name})
    return name


def has_scheduled() -> bool:
    """Whether a published post is waiting for its publish date. Pages that list posts are then not
    kept by the page cache: its revision moves when rows change, not when a date comes, so a kept
    index would miss the post once it is due."""
    return Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now()).exists()
