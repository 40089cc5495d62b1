"""The Admin Portal's lists of resources: what a list page shows of each resource of
forecourt.resources.definitions (columns, search, filters, help, the lists under an edit form), and
one page of a list in a constant number of queries.

Saving and deleting are forecourt.resources.writes' (audited, shared with the Admin API); this
module is only how the Admin Portal shows resources.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst

from forecourt import paging
from forecourt.accounts.models import User
from forecourt.resources import bulk
from forecourt.resources.definitions import Definition, Related
from forecourt.resources.forms import ModelForm

from . import counting

if TYPE_CHECKING:  # a text marked for translation, translated when shown (gettext_lazy), or a plain str
    from django_stubs_ext import StrOrPromise as StrOrPromise  # noqa: PLC0414 - re-exported (checklist.py)
else:
    StrOrPromise = str

PER_PAGE = 25
MAX_PAGE = 1_000_000
# A filter with more choices than this (organisations, say) is typed as an ID instead of chosen from
# a drop-down list that would load and render every row on every page.
MAX_CHOICES = 200


@dataclass(frozen=True)
class Column:
    label: StrOrPromise
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

    def sort_key(self, model: type[Model], annotations: Sequence[str]) -> str:
        """The ORDER BY path a click on this column's header sorts by, or "" when it cannot sort.

        Only database values sort: a field path through single-valued relations (a many-valued one
        would repeat rows), or an annotation of the list's queryset ("n_apis"). Callables and model
        properties are computed in Python and are never sortable, so the page stays one query."""
        if callable(self.value):
            return ""
        if self.value in annotations:
            return self.value
        current: type[Model] | None = model
        for part in self.value.split("__"):
            if current is None:
                return ""
            try:
                model_field = current._meta.get_field(part)
            except FieldDoesNotExist:
                return ""
            if model_field.many_to_many or model_field.one_to_many:
                return ""
            current = model_field.related_model
        return self.value


@dataclass(frozen=True)
class BulkAction:
    """An action the list's page offers on the rows chosen by their checkboxes (views_bulk.py does it
    through the same services as one object's page)."""

    name: str  # posted as ?action=
    label: StrOrPromise  # the button's text
    needs_reason: bool = False  # one reason for all, e.g. a rejection's, e-mailed to each requester


@dataclass(frozen=True)
class Filter:
    param: str
    label: StrOrPromise
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
class RelatedList:
    """Objects that belong to the edited one (forecourt.resources.definitions.Related: a product's
    APIs and documents), listed under its form with links to edit each and to add one with its
    parent already chosen (the "Add" link pre-sets the rows' `parent_field`: see `presets`)."""

    related: Related
    title: StrOrPromise
    columns: Sequence[Column]
    add_label: StrOrPromise = ""

    @property
    def slug(self) -> str:
        return self.related.slug

    @property
    def parent_field(self) -> str:
        return self.related.parent_field

    def rows(self, parent: Any) -> QuerySet[Any]:
        return self.related.rows(parent)


@dataclass(frozen=True)
class Resource:
    """A resource's definition (model, form, queryset, delete rules: forecourt.resources) and how the
    Admin Portal shows it."""

    definition: Definition
    columns: Sequence[Column]
    search: Sequence[str] = ()
    filters: Sequence[Filter] = ()
    can_create: bool = True
    can_edit: bool = True
    can_delete: bool = True
    super_admin_only: bool = False
    help: StrOrPromise = ""
    section: str = "Catalogue"
    detail_url_name: str = ""  # where a row links to when it is not the edit page
    # (label, suffix of the row's URL), e.g. ("Actions", "actions/") -> /portal-admin/users/7/actions/
    extra_actions: Sequence[tuple[StrOrPromise, str]] = field(default_factory=tuple)
    # Lists shown under the edit form of an object of this resource (a product's APIs).
    related: Sequence[RelatedList] = field(default_factory=tuple)
    # What the edit page shows above the form, as (label, value) pairs: an SSO profile's URLs to
    # register at the identity provider. Given the object and the portal's root URL (ending in "/").
    details: Callable[[Any, str], Sequence[tuple[str, str]]] | None = None
    # Actions on the rows chosen with the list's checkboxes (approve many access requests).
    bulk_actions: Sequence[BulkAction] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return self.definition.slug

    @property
    def model(self) -> type[Model]:
        return self.definition.model

    @property
    def form(self) -> type[ModelForm] | None:
        return self.definition.form

    def queryset(self) -> QuerySet[Any]:
        return self.definition.queryset()

    @property
    def bulk_max(self) -> int:
        """How many rows one bulk action takes (forecourt.resources.bulk refuses more)."""
        return bulk.MAX_BATCH

    def delete_blockers(self, obj: Any, actor: User) -> list[str]:
        """Why `obj` cannot be deleted (the domain's rules); empty when it can."""
        return self.definition.delete_blockers(obj, actor) if self.definition.delete_blockers else []

    def row_deletable(self, obj: Any) -> bool:
        """Whether a row offers Delete at all, from what the row already holds (no queries)."""
        return self.definition.row_deletable(obj)

    def row_url(self, obj: Any) -> str:
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

    def sort_keys(self) -> dict[StrOrPromise, str]:
        """Each sortable column's ?sort= value (its ORDER BY path) by column label."""
        annotations = list(self.queryset().query.annotations)
        keys = {column.label: column.sort_key(self.model, annotations) for column in self.columns}
        return {label: key for label, key in keys.items() if key}

    def sort_of(self, params: Any) -> str:
        """The request's ?sort= ("name" or "-name") when it names a sortable column, else "" (the
        list's own order): a value made up or left from an older page is ignored, not an error."""
        value = (params.get("sort") or "").strip()
        return value if value.lstrip("-") in self.sort_keys().values() and value.count("-") <= 1 else ""

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
        (adminportal.counting), the rows are a LIMIT/OFFSET query (forecourt.paging) plus the resource's
        prefetches."""
        conditions, active, options = self.conditions(params)
        rows_count = counting.count(self.model._default_manager.filter(*conditions), whole_table=not conditions)
        try:
            number = min(max(int(params.get("page") or 1), 1), MAX_PAGE)
        except ValueError:
            number = 1
        if rows_count.exact:
            number = min(number, max(1, -(-rows_count.value // PER_PAGE)))
        start = (number - 1) * PER_PAGE
        queryset = self.queryset().filter(*conditions)
        sort = self.sort_of(params)
        # The pk breaks ties, so rows with equal values keep one order from page to page.
        queryset = queryset.order_by(sort, "pk") if sort else self._ordered(queryset)
        rows = paging.rows_between(queryset, start, start + PER_PAGE + 1)
        return ListPage(rows[:PER_PAGE], number, rows_count, has_next=len(rows) > PER_PAGE, active=active,
                        options=options, sort=sort)


@dataclass(frozen=True)
class ListPage:
    """What a list page shows: its rows, where it is, and how many rows the list has (a RowCount)."""

    object_list: list[Any]
    number: int
    count: counting.RowCount
    has_next: bool
    active: dict[str, str]
    options: dict[str, Sequence[tuple[str, str]]]
    sort: str = ""  # the ?sort= in force ("-name"), "" for the list's own order

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


def presets(form_class: type[ModelForm], params: Any) -> dict[str, str]:
    """Initial values for a new object's form from the query string (?product=7 from a product's
    "Add API" link). Only single-object choices are taken; the form still checks them when posted."""
    chosen: dict[str, str] = {}
    for name, form_field in form_class.base_fields.items():
        value = params.get(name)
        if (value and isinstance(form_field, forms.ModelChoiceField)
                and not isinstance(form_field, forms.ModelMultipleChoiceField)):
            chosen[name] = value[:100]
    return chosen


@dataclass(frozen=True)
class Header:
    """A list's column header: its link sorts by the column (the other way if it is the sort in
    force), keeping the search and filters; `aria_sort` marks the sorted one for screen readers."""

    column: Column
    url: str = ""  # "" for a column that cannot sort
    aria_sort: str = ""  # "ascending", "descending" or ""
    next_direction: str = ""  # what following the link does, said to screen readers


def headers(resource: Resource, sort: str, params: Any) -> list[Header]:
    """The headers of `resource`'s list for the request's query (`params`, a QueryDict) and sort."""
    keys = resource.sort_keys()
    result = []
    for column in resource.columns:
        key = keys.get(column.label, "")
        if not key:
            result.append(Header(column))
            continue
        query = params.copy()
        query.pop("page", None)
        ascending = sort == key
        query["sort"] = f"-{key}" if ascending else key
        result.append(Header(
            column, url="?" + query.urlencode(),
            aria_sort="ascending" if ascending else "descending" if sort == f"-{key}" else "",
            next_direction="descending" if ascending else "ascending"))
    return result
