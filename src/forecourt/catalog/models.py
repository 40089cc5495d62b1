"""Products, plans and catalogues (Tyk's model: a product grants access, a plan sets limits)."""

from django.db import models
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from forecourt.accounts.models import Organisation, Team
from forecourt.i18n.content import Translatable
from forecourt.wording import counted_in


class PushState(models.TextChoices):
    """Whether a product's or plan's portal-side changes have reached its provider's policy."""

    SYNCED = "", _("In step with the provider")
    PENDING = "pending", _("Being written to the provider")
    FAILED = "failed", _("Could not be written to the provider")


class WrittenToProvider(models.Model):
    """Products and plans mirror a provider policy both ways.

    Made or edited in the portal, they are written to their provider as policies
    (forecourt.providers.push); until that is done the sync leaves them alone. Read by the sync,
    a policy it cannot read leaves the item as it was last read, still published, with the reason
    in `sync_problem` until a sync reads it again: one bad policy never unpublishes a product
    whose keys still work at the gateway. Only a policy that is gone (or no longer tagged for the
    portal) hides its item.
    """

    push_state = models.CharField(_("push state"), max_length=10, choices=PushState.choices, default=PushState.SYNCED,
                                  blank=True,
                                  editable=False)
    push_error = models.TextField(_("push error"), blank=True, editable=False)
    sync_problem = models.TextField(
        _("sync problem"), blank=True, editable=False,
        help_text=_("Why the last sync could not read its policy (its last good state is kept)."))
    sync_problem_since = models.DateTimeField(_("sync problem since"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Product(WrittenToProvider, Translatable):
    """An API product: access to one or more APIs, from a provider policy (partitions.acl)."""

    translated_fields = ("display_name", "description", "content")

    provider = models.ForeignKey("providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT,
                                 null=True, blank=True,
                                 related_name="products")
    # NULL, not "", for "no policy": unique (provider, reference_id) must let many such rows coexist.
    reference_id = models.CharField(_("policy ID"), max_length=100, null=True, blank=True,  # noqa: DJ001
                                    help_text=_("The provider policy this product mirrors."))
    name = models.CharField(_("name"), max_length=255)
    display_name = models.CharField(_("display name"), max_length=255)
    slug = models.SlugField(_("path"), max_length=255, unique=True, help_text=_("Its address in the Live Portal."))
    description = models.TextField(_("description"), blank=True)
    content = models.TextField(_("content"), blank=True, help_text=_("Markdown shown on the product page."))
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    preview = models.FileField(_("preview"), upload_to="previews/", blank=True, default="", db_default="",
                               help_text=_("A larger image shown on its page."))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    documentation_only = models.BooleanField(_("documentation only"), default=False,
                                             help_text=_("Shown for its docs; access is not requested."))
    published = models.BooleanField(_("published"), default=False)
    # db_default: a release before this column keeps inserting products while a newer one serves beside it.
    featured = models.BooleanField(_("featured"), default=False, db_default=False,
                                   help_text=_("Shown on the Live Portal's home page (to those who may see it)."))
    hidden_by_sync = models.BooleanField(_("hidden by sync"), default=False, editable=False,
                                         help_text=_("Its provider policy disappeared at the last sync."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["display_name"]
        constraints = [models.UniqueConstraint(fields=["provider", "reference_id"], name="one_product_per_policy")]
        # The order of the Live Portal's catalogue (its page cut) and of the Admin Portal's list.
        indexes = [models.Index(fields=["display_name", "id"], name="product_catalogue_order")]

    def __str__(self) -> str:
        return self.display_name


# The auth types the portal knows, with their labels (the Live Portal's catalogue filter and API lists,
# the Admin Portal's choices); Tyk's names for them. A synced API may carry another: it is shown as it is.
# The labels are lazy (translated when shown): read them with str().
AUTH_TYPES: dict[str, str | Promise] = {
    "authToken": gettext_lazy("Auth token"),
    "oauth2": "OAuth 2.0",
    "jwt": "JWT",
    "basic": gettext_lazy("Basic authentication"),
    "hmac": "HMAC",
    "keyless": gettext_lazy("Keyless"),
    "mtls": gettext_lazy("Mutual TLS"),
}


class ProductAPIQuerySet(models.QuerySet["ProductAPI"]):
    def without_documents(self) -> "ProductAPIQuerySet":
        """For listings: the documents (megabytes each) are not loaded; each row knows whether it has one.
        THE definition of "has a document" in SQL; `ProductAPI.has_document` is the same in Python."""
        return self.defer("oas_document", "gateway_document", "graphql_schema", "gateway_graphql_schema").annotate(
            with_document=models.ExpressionWrapper(~models.Q(oas_document="") | ~models.Q(gateway_document=""),
                                                   output_field=models.BooleanField()),
            with_graphql=models.ExpressionWrapper(~models.Q(graphql_schema="") | ~models.Q(gateway_graphql_schema=""),
                                                  output_field=models.BooleanField()))


class ProductAPI(models.Model):
    """One API of a product. Its row (and so its ID, which docs URLs carry) lives as long as the API
    stays in the product: a sync or push updates it in place, by `api_id`.

    Two documents, two owners: `oas_document` is the portal's (an admin's upload; no sync ever
    touches it), `gateway_document` the gateway's (the sync's copy of a Tyk OAS API's document; an
    admin never edits it). `document_source` says which one the Live Portal shows when both exist.
    """

    class DocumentSource(models.TextChoices):
        PORTAL = "portal", _("The portal's document")
        GATEWAY = "gateway", _("The gateway's document")

    class KeyIn(models.TextChoices):
        HEADER = "header", _("A header")
        QUERY = "query", _("A query parameter")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="apis")
    api_id = models.CharField(_("API ID"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=255)
    listen_path = models.CharField(_("listen path"), max_length=500, blank=True)
    auth_type = models.CharField(_("auth type"), max_length=50, blank=True)
    oas_document = models.TextField(_("OpenAPI document"), blank=True,
                                    help_text=_("The portal's document: synchronisations never change it."))
    gateway_document = models.TextField(_("the gateway's OpenAPI document"), blank=True, editable=False,
                                        help_text=_("Copied from the gateway at each synchronisation."))
    document_source = models.CharField(
        _("document shown"), max_length=10, choices=DocumentSource.choices, default=DocumentSource.PORTAL,
        help_text=_("Which document the Live Portal shows when both exist; the other one when only it exists."))
    graphql_schema = models.TextField(
        _("GraphQL schema"), blank=True, default="", db_default="",
        help_text=_("The portal's GraphQL schema (SDL) of a GraphQL API, checked by forecourt.catalog.graphql_schemas; "
                  "the Live Portal shows it in a GraphiQL playground. Synchronisations never change it."))
    gateway_graphql_schema = models.TextField(
        _("the gateway's GraphQL schema"), blank=True, default="", db_default="", editable=False,
        help_text=_("A GraphQL API's schema, copied from the gateway at each synchronisation; the portal's wins."))
    # Where the gateway reads an API key, from the API's definition at each synchronisation, so the
    # docs page's "Try it" panel puts a developer's key where the gateway looks (Tyk's default: the
    # Authorization header).
    key_in = models.CharField(
        _("API key in"), max_length=10, choices=KeyIn.choices, default=KeyIn.HEADER, db_default=KeyIn.HEADER,
        help_text=_("Where the gateway reads an API key: a header or a query parameter."))
    key_name = models.CharField(
        _("API key name"), max_length=100, default="Authorization", db_default="Authorization",
        help_text=_("The header's or the query parameter's name that carries an API key."))

    objects = ProductAPIQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("product API")
        verbose_name_plural = _("product APIs")
        indexes = [
            models.Index(fields=["name", "id"], name="productapi_list_order"),  # the Admin Portal's list
            # The catalogue's auth-type filter and its choices (forecourt.live.catalogue.data).
            models.Index(fields=["auth_type", "product"], name="productapi_auth_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document(self) -> str:
        """The OpenAPI document the Live Portal shows: the chosen one, else the other, else ""."""
        if self.document_source == self.DocumentSource.GATEWAY:
            return self.gateway_document or self.oas_document
        return self.oas_document or self.gateway_document

    @property
    def shown_source(self) -> str:
        """Which document `document` is: "portal", "gateway", or "" when there is none."""
        if self.gateway_document and (self.document_source == self.DocumentSource.GATEWAY or not self.oas_document):
            return self.DocumentSource.GATEWAY.value
        return self.DocumentSource.PORTAL.value if self.oas_document else ""

    @property
    def has_document(self) -> bool:
        flagged = self.__dict__.get("with_document")  # loaded by without_documents(): no document to read
        return bool(flagged) if flagged is not None else bool(self.oas_document or self.gateway_document)

    @property
    def shown_graphql_schema(self) -> str:
        """The GraphQL schema the Live Portal shows: the portal's, else the gateway's, else ""."""
        return self.graphql_schema or self.gateway_graphql_schema

    @property
    def has_graphql(self) -> bool:
        """Whether it has a GraphQL schema (without loading them after without_documents())."""
        flagged = self.__dict__.get("with_graphql")
        return bool(flagged) if flagged is not None else bool(self.shown_graphql_schema)


class ServedDocument(models.Model):
    """What the Live Portal serves as a product API's OpenAPI document, made once per change of its
    inputs (the shown document, which one is shown, the gateway address it names) rather than on each
    request: parsing a document of a thousand operations takes longer than the rest of the request.

    `body` is the document as served (a JSON one with the gateway as its server, a YAML one as
    stored), `gzipped` the same compressed, `etag` names `body`; `inputs` is the hash of what it was
    made from, so a save that changes nothing needs no work. forecourt.live.served_documents makes
    and refreshes these rows; a missing one is made on first use.
    """

    api = models.OneToOneField(ProductAPI, on_delete=models.CASCADE, primary_key=True, related_name="served")
    inputs = models.CharField(max_length=64)
    address = models.CharField(max_length=1100, blank=True)
    kind = models.CharField(max_length=4)  # "json" or "yaml"
    operations = models.PositiveIntegerField(default=0)
    etag = models.CharField(max_length=80)
    body = models.BinaryField()
    gzipped = models.BinaryField()
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "served OpenAPI document"

    def __str__(self) -> str:
        return f"served document of API {self.api_id}"


class ProductSearch(models.Model):
    """A product's searchable text, derived from the product, its provider's policy tags and its APIs'
    documents: written only by forecourt.catalog.search, never edited. One row per product.

    The full-text index over it is the engine's own (forecourt.catalog.search explains each): an FTS5
    table kept by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL, FULLTEXT
    indexes on MariaDB. `apis` keeps the API names and operation summaries read from the documents when
    they were saved, so that a change to the product alone does not parse its documents again."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="search_row")
    title = models.TextField(blank=True)  # display name and name: ranked highest
    body = models.TextField(blank=True)  # description and public tags
    apis = models.TextField(blank=True)  # API names and their documents' operation summaries

    class Meta:
        verbose_name = "product search entry"

    def __str__(self) -> str:
        return self.title.split("\n", 1)[0]


class ProductTag(models.Model):
    """One public tag of a product (Product.tags without its provider's policy tags), for the catalogue's
    tag filter and its choices in SQL. Derived from Product.tags by forecourt.catalog.search only."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="public_tag_rows")
    tag = models.CharField(max_length=255)  # as the product spells it
    folded = models.CharField(max_length=255)  # tag.casefold(): what the filter compares

    class Meta:
        ordering = ["folded"]
        constraints = [models.UniqueConstraint(fields=["product", "folded"], name="one_public_tag_per_product")]
        indexes = [models.Index(fields=["folded", "product"], name="producttag_folded")]

    def __str__(self) -> str:
        return self.tag


class ProductDoc(Translatable):
    """A "getting started" document of a product, in order."""

    translated_fields = ("title", "content")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="docs")
    title = models.CharField(_("title"), max_length=255)
    content = models.TextField(_("content"), blank=True, help_text=_("Markdown."))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name_plural = _("getting-started documents")
        ordering = ["product_id", "position", "id"]
        indexes = [models.Index(fields=["product", "position", "id"], name="productdoc_list_order")]
        verbose_name = _("getting-started document")

    def __str__(self) -> str:
        return self.title


class ProductSpec(models.Model):
    """A specification of a product that no provider API stands behind (Tyk's "spec details" of a
    documentation product): a name, an alias, and the portal's OpenAPI document, checked by
    forecourt.catalog.documents like an API's, a GraphQL schema (forecourt.catalog.graphql_schemas), and an
    AsyncAPI document (forecourt.catalog.asyncapi). Never written to a provider, never touched by a sync."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="specs")
    name = models.CharField(_("name"), max_length=255, blank=True)
    spec_alias = models.CharField(_("alias"), max_length=255, help_text=_("An identifier for the specification."))
    oas_url = models.URLField(_("OpenAPI document URL"), max_length=2000, blank=True,
                              help_text=_("Where its document was last imported from; empty for none."))
    oas_document = models.TextField(_("OpenAPI document"), blank=True)
    graphql_schema = models.TextField(
        _("GraphQL schema"), blank=True, default="", db_default="",
        help_text=_("Its GraphQL schema (SDL), checked by forecourt.catalog.graphql_schemas; Tyk's spec details carry "
                  "an OpenAPI document or a GraphQL schema."))
    # Forecourt's own (Tyk's spec details have no AsyncAPI field). db_default: an older release serving beside
    # this one keeps inserting specifications without it.
    asyncapi_document = models.TextField(
        _("AsyncAPI document"), blank=True, default="", db_default="",
        help_text=_("Its AsyncAPI 2.x or 3.x document (event-driven APIs: channels and messages), checked by "
                  "forecourt.catalog.asyncapi, stored and downloaded as given; the Live Portal renders it."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("product specifications")
        ordering = ["product_id", "id"]
        verbose_name = _("product specification")
        indexes = [models.Index(fields=["product", "id"], name="productspec_list_order")]

    def __str__(self) -> str:
        return self.name or self.spec_alias


class Plan(WrittenToProvider, Translatable):
    """A plan: rate limit, quota and key expiry, from a provider policy (rate_limit + quota partitions)."""

    translated_fields = ("display_name", "description")

    provider = models.ForeignKey("providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT,
                                 null=True, blank=True,
                                 related_name="plans")
    reference_id = models.CharField(_("policy ID"), max_length=100, null=True, blank=True)  # noqa: DJ001 (see Product)
    name = models.CharField(_("name"), max_length=255)
    display_name = models.CharField(_("display name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    rate_unlimited = models.BooleanField(_("unlimited rate"), default=False)
    rate_limit = models.PositiveIntegerField(_("requests"), default=100)
    rate_per = models.PositiveIntegerField(_("per (seconds)"), default=60)
    quota_unlimited = models.BooleanField(_("unlimited quota"), default=True)
    quota_max = models.PositiveIntegerField(_("quota (requests)"), default=0)
    quota_renewal_seconds = models.PositiveIntegerField(_("quota renews every (seconds)"), default=3600)
    key_expires_in = models.PositiveIntegerField(_("keys expire after (seconds)"), default=0, help_text=_("0: never."))
    auto_approve = models.BooleanField(_("approve access requests automatically"), default=False)
    hidden_by_sync = models.BooleanField(_("hidden by sync"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["display_name"]
        indexes = [models.Index(fields=["display_name", "id"], name="plan_list_order")]
        constraints = [models.UniqueConstraint(fields=["provider", "reference_id"], name="one_plan_per_policy")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def limits_in_words(self) -> str:
        """"100 requests per minute, 5,000 requests per day": what a developer reads on a plan, in the
        active language (the Admin API does not answer it: its plans carry the numbers)."""
        rate = (gettext("unlimited requests") if self.rate_unlimited
                else gettext("%(requests)s per %(period)s") % {"requests": requests_in_words(self.rate_limit),
                                                               "period": period_in_words(self.rate_per)})
        quota = (gettext("no quota") if self.quota_unlimited
                 else gettext("%(requests)s per %(period)s") % {
                     "requests": requests_in_words(self.quota_max),
                     "period": period_in_words(self.quota_renewal_seconds)})
        return gettext("%(rate)s, %(quota)s") % {"rate": rate, "quota": quota}


def localised_number(count: int) -> str:
    """5000 -> "5,000" in English, "5.000" in German: grouped as the active language groups thousands."""
    return str(formats.number_format(count, force_grouping=True))


def requests_in_words(count: int) -> str:
    """"1 request", "5,000 requests", in the active language."""
    return counted_in(ngettext("%(count)s request", "%(count)s requests", count), count, localised_number)


def _units(count: int) -> dict[str, str]:
    """Each unit's words for `count` of it, in the active language (each a whole ngettext call, so the
    catalogues have every form)."""
    return {"week": ngettext("%(count)s week", "%(count)s weeks", count),
            "day": ngettext("%(count)s day", "%(count)s days", count),
            "hour": ngettext("%(count)s hour", "%(count)s hours", count),
            "minute": ngettext("%(count)s minute", "%(count)s minutes", count),
            "second": ngettext("%(count)s second", "%(count)s seconds", count)}


# One of a unit, as "per minute" says it: the unit alone.
_SINGLE_UNITS = {"week": pgettext_lazy("per period", "week"), "day": pgettext_lazy("per period", "day"),
                 "hour": pgettext_lazy("per period", "hour"), "minute": pgettext_lazy("per period", "minute"),
                 "second": pgettext_lazy("per period", "second")}
_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def period_in_words(seconds: int, *, counting_one: bool = False) -> str:
    """60 -> "minute", 7200 -> "2 hours", 90 -> "90 seconds" (the largest unit that divides it), in the
    active language; `counting_one` says "1 minute" rather than "minute" ("after 1 minute")."""
    if seconds <= 0:
        return gettext("period")
    for unit, size in _UNITS:
        if seconds % size == 0:
            count = seconds // size
            if count == 1 and not counting_one:
                return str(_SINGLE_UNITS[unit])
            return counted_in(_units(count)[unit], count, localised_number)
    raise AssertionError("unreachable: every whole number of seconds is a whole number of seconds")


class Catalogue(Translatable):
    translated_fields = ("name",)

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: everyone, signed in or not")
        PRIVATE = "private", _("Private: only its audiences")

    name = models.CharField(_("name"), max_length=255, unique=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PRIVATE)
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="catalogues")
    plans = models.ManyToManyField(Plan, verbose_name=_("plans"), blank=True, related_name="catalogues")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue")
        verbose_name_plural = _("catalogues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_extra(self) -> dict[str, list[str]]:
        """The audiences, for the audit log's before/after (they are rows of their own)."""
        return {"audiences": sorted(str(a) for a in self.audiences.select_related("organisation", "team"))}


class CatalogueAudience(models.Model):
    """Who sees a private catalogue: a whole organisation (no team) or one of its teams."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="audiences")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["catalogue_id", "organisation_id", "team_id"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "organisation", "team"], name="unique_audience")]

    def __str__(self) -> str:
        # English whatever the request's language: audit entries store it (Catalogue.audit_extra); the
        # catalogue form's choices say it in the admin's language (catalog.services.audience_choices).
        return f"{self.organisation}" + (f" / {self.team.name}" if self.team is not None else " (all teams)")


class Tag(models.Model):
    """A tag with an ID, for the Admin API's `/portal-api/tags` (Tyk's tags). The tags products carry
    stay in Product.tags (what the catalogue, its search index and the provider's policy read): a row
    here names one, case-insensitively, so that it can be listed, renamed and deleted by ID. Rows
    are made for the tags products use when the tags are read (forecourt.api.tags), so a tag
    written without this table (the sync, an older release) still gets one; a tag created by the API
    may have no product yet."""

    name = models.CharField(max_length=100)
    folded = models.CharField(max_length=100, unique=True)  # name.casefold(): tags are one regardless of case

    class Meta:
        ordering = ["folded"]

    def __str__(self) -> str:
        return self.name
