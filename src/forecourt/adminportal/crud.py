"""Generic list / create / edit / delete for Admin Portal resources.

Each resource (adminportal/registry.py) names its model, form, list columns, search fields,
filters, a queryset that loads everything the list shows in a constant number of queries, and
the domain rule that says whether an object can be deleted. Saving and deleting go through
`save_form` and `delete`, which write the audit log in the same transaction; the rules
themselves stay in the domain services, shared with the Admin API.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import capfirst

from forecourt.accounts.models import User
from forecourt.audit import services as audit

from . import counting

PER_PAGE = 25
MAX_PAGE = 1_000_000
# A filter with more choices than this (organisations, say) is typed as an ID instead of chosen from
# a drop-down list that would load and render every row on every page.
MAX_CHOICES = 200


def count_of(model: type[models.Model], field_name: str) -> Coalesce:
    """The number of `model` rows whose `field_name` is the list's row, for annotate().

    A correlated subquery, computed for the rows of the page only; annotate(Count(...)) would
    join and group the whole table before the page is cut."""
    rows = (model._default_manager.filter(**{field_name: OuterRef("pk")}).order_by()
            .values(field_name).annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(rows), 0)


class DeleteRefused(Exception):
    """The object cannot be deleted; the messages say why and what to do instead."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any] | str
    link: bool = False  # the column that links to the edit page
    # The value is a path of the portal, shown as a full link to copy and share (the list page
    # puts the portal's address, notify.links.base_url, in front of it).
    shareable_link: bool = False

    def of(self, obj: Any) -> Any:
        if callable(self.value):
            return self.value(obj)
        result: Any = obj
        for part in self.value.split("__"):
            result = getattr(result, part, None) if result is not None else None
        display = f"get_{self.value}_display"
        if "__" not in self.value and hasattr(obj, display):
            return getattr(obj, display)()
        return result


@dataclass(frozen=True)
class Filter:
    param: str
    label: str
    lookup: str
    choices: Callable[[], Sequence[tuple[str, str]]]
    value: Callable[[str], Any] = str  # the chosen option's value as the lookup takes it

    def options(self) -> Sequence[tuple[str, str]]:
        return self.choices()[:MAX_CHOICES + 1]

    def accepts(self, value: str, options: Sequence[tuple[str, str]]) -> bool:
        """A value from the list; with too many to list, any ID (the filter finds nothing if it is no row's)."""
        if len(options) > MAX_CHOICES:
            return value.isdigit() and 0 < int(value) < 2**31
        return value in {str(v) for v, _ in options}


@dataclass(frozen=True)
class Related:
    """Objects that belong to the edited one, listed under its form (a product's APIs and documents),
    with links to edit each and to add one with its parent already chosen.

    `rows(parent)` is one query whatever the number of rows; `parent_field` is the rows' form field
    that names the parent, pre-set by the "Add" link (see `presets`).
    """

    title: str
    slug: str  # the rows' resource, for their edit and add links
    parent_field: str
    rows: Callable[[Any], QuerySet[Any]]
    columns: Sequence[Column]
    add_label: str = ""


@dataclass(frozen=True)
class Resource:
    slug: str
    model: type[models.Model]
    form: type[forms.ModelForm] | None
    columns: Sequence[Column]
    queryset: Callable[[], QuerySet[Any]]
    search: Sequence[str] = ()
    filters: Sequence[Filter] = ()
    delete_blockers: Callable[[Any, User], list[str]] | None = None
    # Whether a row offers Delete at all, from what the row already holds (no queries): the
    # Default Organisation never can be; others are checked by delete_blockers when asked.
    row_deletable: Callable[[Any], bool] = lambda obj: True
    can_create: bool = True
    can_edit: bool = True
    can_delete: bool = True
    super_admin_only: bool = False
    help: str = ""
    # Saves the form's object; the default is form.save(). Returns the saved object.
    saver: Callable[[Any, User], Any] | None = None
    # Deletes the object; the default is obj.delete(). Called after delete_blockers found nothing.
    deleter: Callable[[Any, User], None] | None = None
    section: str = "Catalogue"
    detail_url_name: str = ""  # where a row links to when it is not the edit page
    # (label, suffix of the row's URL), e.g. ("Actions", "actions/") -> /portal-admin/users/7/actions/
    extra_actions: Sequence[tuple[str, str]] = field(default_factory=tuple)
    # Lists shown under the edit form of an object of this resource (a product's APIs).
    related: Sequence[Related] = field(default_factory=tuple)

    def row_url(self, obj: Any) -> str:
        from django.urls import reverse

        if self.detail_url_name:
            return reverse(self.detail_url_name, kwargs={"pk": obj.pk})
        if self.can_edit:
            return reverse("adminportal:resource_edit", kwargs={"slug": self.slug, "pk": obj.pk})
        return ""

    @property
    def title(self) -> str:
        # capfirst, not capitalize(): "Product APIs", not "Product apis".
        return capfirst(str(self.model._meta.verbose_name))

    @property
    def title_plural(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    @property
    def name(self) -> str:
        """Inside a sentence ("New product API"): the verbose name as written, not lower-cased."""
        return str(self.model._meta.verbose_name)

    @property
    def name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def conditions(self, params: Any) -> tuple[list[Q], dict[str, str], dict[str, Sequence[tuple[str, str]]]]:
        """The request's ?q= and filters as conditions (in SQL: `icontains` over the search fields);
        also the active values and each filter's options (so that the page does not query them again)."""
        conditions: list[Q] = []
        active: dict[str, str] = {}
        q = (params.get("q") or "").strip()[:200]
        if q and self.search:
            condition = Q()
            for name in self.search:
                condition |= Q(**{f"{name}__icontains": q})
            conditions.append(condition)
            active["q"] = q
        options = {}
        for flt in self.filters:
            options[flt.param] = flt.options()
            value = (params.get(flt.param) or "").strip()
            if value and flt.accepts(value, options[flt.param]):
                conditions.append(Q(**{flt.lookup: flt.value(value)}))
                active[flt.param] = value
        return conditions, active, options

    def filtered(self, params: Any) -> tuple[QuerySet[Any], dict[str, str]]:
        """The list's queryset for the request's ?q= and filters; also the active filter values."""
        conditions, active, _ = self.conditions(params)
        return self._ordered(self.queryset().filter(*conditions)), active

    def _ordered(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not queryset.ordered:  # annotate() with GROUP BY drops Meta.ordering
            queryset = queryset.order_by(*(self.model._meta.ordering or ["pk"]), "pk")
        return queryset

    def page(self, params: Any) -> "ListPage":
        """One page of the list for the request's ?q=, filters and ?page=, in a number of queries
        and a time that do not grow with the table: the count is capped or estimated
        (adminportal.counting), the rows are one LIMIT/OFFSET query plus the resource's prefetches."""
        conditions, active, options = self.conditions(params)
        rows_count = counting.count(self.model._default_manager.filter(*conditions), whole_table=not conditions)
        try:
            number = min(max(int(params.get("page") or 1), 1), MAX_PAGE)
        except ValueError:
            number = 1
        if rows_count.exact:
            number = min(number, max(1, -(-rows_count.value // PER_PAGE)))
        start = (number - 1) * PER_PAGE
        rows = list(self._ordered(self.queryset().filter(*conditions))[start:start + PER_PAGE + 1])
        return ListPage(rows[:PER_PAGE], number, rows_count, has_next=len(rows) > PER_PAGE, active=active,
                        options=options)


@dataclass(frozen=True)
class ListPage:
    """What a list page shows: its rows, where it is, and how many rows the list has (a RowCount)."""

    object_list: list[Any]
    number: int
    count: counting.RowCount
    has_next: bool
    active: dict[str, str]
    options: dict[str, Sequence[tuple[str, str]]]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """None when the count is not exact ("Page 3", not "Page 3 of ...")."""
        return max(1, -(-self.count.value // PER_PAGE)) if self.count.exact else None


def related_lists(resource: Resource, obj: Any) -> list[dict[str, Any]]:
    """What the edit page of `obj` shows under its form: each of resource.related with its rows'
    cells and edit links, and the link that adds one to `obj`. Links carry ?next= back to `obj`."""
    from django.urls import reverse
    from django.utils.http import urlencode

    here = reverse("adminportal:resource_edit", kwargs={"slug": resource.slug, "pk": obj.pk})
    back = urlencode({"next": here})
    lists = []
    for related in resource.related:
        add = reverse("adminportal:resource_create", kwargs={"slug": related.slug})
        lists.append({
            "related": related,
            "rows": [(reverse("adminportal:resource_edit", kwargs={"slug": related.slug, "pk": row.pk}) + "?" + back,
                      [(column, column.of(row)) for column in related.columns], str(row))
                     for row in related.rows(obj)],
            "add_url": f"{add}?{urlencode({related.parent_field: obj.pk, 'next': here})}",
        })
    return lists


def presets(form_class: type[forms.ModelForm], params: Any) -> dict[str, str]:
    """Initial values for a new object's form from the query string (?product=7 from a product's
    "Add API" link). Only single-object choices are taken; the form still checks them when posted."""
    chosen: dict[str, str] = {}
    for name, form_field in form_class.base_fields.items():
        value = params.get(name)
        if (value and isinstance(form_field, forms.ModelChoiceField)
                and not isinstance(form_field, forms.ModelMultipleChoiceField)):
            chosen[name] = value[:100]
    return chosen


def save_form(resource: Resource, form: forms.ModelForm, actor: User) -> Any:
    """Save a valid form and audit it: "create" with the new values, "update" with what changed."""
    creating = form.instance.pk is None
    before = {} if creating else audit.snapshot(type(form.instance).objects.get(pk=form.instance.pk))
    with transaction.atomic():
        obj = resource.saver(form, actor) if resource.saver else form.save()
        after = audit.snapshot(obj)
        changes = audit.diff(before, after)
        if creating or changes:
            audit.record(actor, "create" if creating else "update", obj, changes)
    return obj


def delete(resource: Resource, obj: Any, actor: User) -> None:
    """Delete after the domain rules allow it; raise DeleteRefused with their reasons otherwise."""
    reasons = resource.delete_blockers(obj, actor) if resource.delete_blockers else []
    if reasons:
        raise DeleteRefused(reasons)
    with transaction.atomic():
        before = audit.snapshot(obj)
        audit.record(actor, "delete", obj, {k: [v, None] for k, v in before.items()})
        try:
            if resource.deleter:
                resource.deleter(obj, actor)
            else:
                obj.delete()
        except models.ProtectedError as exc:
            names = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
            raise DeleteRefused([f"{obj} is still used by {', '.join(names)}."]) from exc
