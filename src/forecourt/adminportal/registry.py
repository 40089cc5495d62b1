"""The Admin Portal's resources: what each list shows, searches and filters, over the resources'
definitions (model, form, queryset, delete rules: forecourt.resources.definitions)."""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db.models import Choices

from forecourt.access.models import AccessRequest, App, Credential
from forecourt.accounts import services as accounts
from forecourt.accounts.models import Organisation, OrganisationRequest, Role
from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Catalogue, PushState
from forecourt.content.models import MenuItem, Page
from forecourt.notify.mailers import MAILERS
from forecourt.notify.models import EmailLog
from forecourt.providers.models import Provider
from forecourt.resources import definitions
from forecourt.resources.definitions import (
    APP_CUSTOM_CREDENTIALS,
    PRODUCT_APIS,
    PRODUCT_CLIENT_TYPES,
    PRODUCT_DOCS,
    PRODUCT_SPECS,
)
from forecourt.sso.models import SsoProfile
from forecourt.webhooks.events import EVENTS, TEST_EVENT
from forecourt.webhooks.models import Delivery, Webhook

from .lists import MAX_CHOICES, BulkAction, Column, Filter, RelatedList, Resource

D = definitions.BY_SLUG  # each resource's model, form, queryset and delete rules, by slug


def _choices(enum: type[Choices]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: list(enum.choices)


def _organisations() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Organisation.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


def _yes_no() -> list[tuple[str, str]]:
    return [("1", "Yes"), ("0", "No")]


def _push_state(item: Any) -> str:
    """Whether the item and its provider's policy are in step both ways, with the reason if not."""
    if item.provider_id is None:
        return ""
    if item.sync_problem:
        return f"Unreadable at the last sync: {item.sync_problem}"
    if item.push_state == "failed":
        return f"Not written: {item.push_error}"
    return "Being written" if item.push_state == "pending" else "In step"


def _spec_name(spec: Any) -> str:
    """A specification's name, or its alias when it has none (the name is optional, as in Tyk): the column
    is the row's link, and a link without text is one a screen reader cannot name (axe's link-name)."""
    return str(spec.name or spec.spec_alias)


# Products and plans whose policy the last sync could not read ("1"), or could ("0").
SYNC_PROBLEM = Filter("sync_problem", "Policy unreadable", "sync_problem_since__isnull", _yes_no,
                      value=lambda v: v == "0")
# Products and plans whose last write to their provider failed ("1"), or did not ("0"): the dashboard's
# "not written to their provider" links here.
PUSH_FAILED = Filter("push_failed", "Provider write failed", "push_state__in", _yes_no,
                     value=lambda v: [PushState.FAILED] if v == "1" else [PushState.SYNCED, PushState.PENDING])


def _provider_status(provider: Any) -> str:
    """"Syncing…" while a sync job is queued or running (from the list's `syncing` annotation)."""
    return "Syncing…" if getattr(provider, "syncing", False) else provider.get_status_display()


def _providers() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Provider.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


def _object_types() -> list[tuple[str, str]]:
    """What the audit log records changes of (audit.record names objects by their model's label): the
    portal's models, known without reading the whole log for its distinct values."""
    labels = sorted(m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("forecourt."))
    return [(label, label) for label in labels]


RESOURCES: list[Resource] = [
    Resource(
        D["providers"], section="Catalogue",
        columns=[Column("Name", "name", link=True), Column("Type", "type"), Column("URL", "url"),
                 Column("Status", _provider_status), Column("Last synced", "last_synced_at"),
                 Column("Skipped policies", lambda p: len(p.sync_problems) or None),
                 Column("Products", "n_products")],
        search=["name", "url"], filters=[Filter("status", "Status", "status", _choices(Provider.Status))],
        extra_actions=[("Sync", "sync/")],
        help="Gateways whose policies become products and plans.",
    ),
    Resource(
        D["products"], section="Catalogue",
        columns=[Column("Name", "display_name", link=True), Column("Path", "slug"),
                 Column("Provider", "provider"), Column("APIs", "n_apis"),
                 Column("OAuth/DCR", lambda p: "Yes" if getattr(p, "n_client_types", 0) else None),
                 Column("Published", "published"), Column("Hidden by sync", "hidden_by_sync"),
                 Column("Provider policy", _push_state)],
        search=["display_name", "name", "slug", "description"],
        filters=[Filter("published", "Published", "published", _yes_no),
                 Filter("featured", "Featured", "featured", _yes_no),
                 Filter("provider", "Provider", "provider_id", _providers), SYNC_PROBLEM, PUSH_FAILED],
        related=[
            RelatedList(PRODUCT_APIS, "APIs", add_label="Add an API",
                        columns=[Column("Name", "name", link=True), Column("API ID", "api_id"),
                                 Column("Listen path", "listen_path"), Column("Auth type", "auth_type"),
                                 Column("OpenAPI document", "has_document")]),
            RelatedList(PRODUCT_DOCS, "Getting-started documents", add_label="Add a document",
                        columns=[Column("Title", "title", link=True), Column("Order", "position")]),
            RelatedList(PRODUCT_SPECS, "Specifications without a provider API", add_label="Add a specification",
                        columns=[Column("Name", _spec_name, link=True), Column("Alias", "spec_alias"),
                                 Column("Imported from", "oas_url")]),
            RelatedList(PRODUCT_CLIENT_TYPES, "OAuth client types",
                        add_label="Add a client type",
                        columns=[Column("Name", "name", link=True), Column("OAuth provider", "provider"),
                                 Column("Grant types", lambda c: ", ".join(c.grant_types) or None),
                                 Column("Scopes", "scopes")]),
        ],
    ),
    Resource(
        D["product-apis"], section="Catalogue",
        columns=[Column("Name", "name", link=True), Column("Product", "product"),
                 Column("Listen path", "listen_path"), Column("Auth", "auth_type")],
        search=["name", "listen_path", "product__display_name"],
    ),
    Resource(
        D["product-docs"], section="Catalogue",
        columns=[Column("Title", "title", link=True), Column("Product", "product"), Column("Order", "position")],
        search=["title", "product__display_name"],
        help="The ordered \"getting started\" documents of each product.",
    ),
    Resource(
        D["product-specs"], section="Catalogue",
        columns=[Column("Name", _spec_name, link=True), Column("Alias", "spec_alias"), Column("Product", "product")],
        search=["name", "spec_alias", "product__display_name"],
        help="Products' specifications that no provider API stands behind (Tyk's spec details): an OpenAPI document, "
             "a GraphQL schema, an AsyncAPI document (Forecourt's own).",
    ),
    Resource(
        D["plans"], section="Catalogue",
        columns=[Column("Name", "display_name", link=True), Column("Limits", "limits_in_words"),
                 Column("Auto-approve", "auto_approve"), Column("Provider", "provider"),
                 Column("Provider policy", _push_state)],
        search=["display_name", "name", "description"],
        filters=[Filter("auto_approve", "Auto-approve", "auto_approve", _yes_no), SYNC_PROBLEM, PUSH_FAILED],
    ),
    Resource(
        D["catalogues"], section="Catalogue",
        columns=[Column("Name", "name", link=True), Column("Visibility", "visibility"),
                 Column("Products", "n_products"), Column("Plans", "n_plans")],
        search=["name"], filters=[Filter("visibility", "Visibility", "visibility", _choices(Catalogue.Visibility))],
    ),
    Resource(
        D["organisations"], section="People",
        columns=[Column("Name", "name", link=True), Column("Teams", "n_teams"), Column("Users", "n_users"),
                 Column("Default", lambda o: bool(o.is_default))],
        search=["name"],
    ),
    Resource(
        D["teams"], section="People",
        columns=[Column("Name", "name", link=True), Column("Organisation", "organisation"),
                 Column("Members", "n_members"), Column("Default", lambda t: bool(t.is_default))],
        search=["name", "organisation__name"],
        filters=[Filter("organisation", "Organisation", "organisation_id", _organisations)],
    ),
    Resource(
        D["users"], section="People",
        columns=[Column("E-mail", "email", link=True), Column("Name", lambda u: u.get_full_name()),
                 Column("Role", "role"), Column("Organisation", "organisation"),
                 Column("Teams", lambda u: ", ".join(t.name for t in u.teams.all())),
                 Column("Attributes", lambda u: "; ".join(f"{v.attribute.name}: {v.value}"
                                                          for v in u.attribute_values.all()) or None),
                 Column("Active", "is_active")],
        search=["email", "first_name", "last_name"],
        filters=[Filter("role", "Role", "role", _choices(Role)),
                 Filter("organisation", "Organisation", "organisation_id", _organisations),
                 Filter("active", "Active", "is_active", _yes_no)],
        extra_actions=[("Manage", "actions/")],
        bulk_actions=[BulkAction("activate", "Activate"), BulkAction("deactivate", "Deactivate")],
    ),
    Resource(
        D["custom-attributes"], section="People",
        columns=[Column("Label", "name", link=True), Column("Identifier", "identifier"), Column("Type", "type"),
                 Column("Consumers", "behaviour"), Column("Required", "required"),
                 Column("On sign-up", "show_on_signup"), Column("In credentials' metadata", "add_to_key_metadata"),
                 Column("Users with a value", "n_values")],
        search=["name", "identifier"],
        help="Fields every user has besides the built-in ones, shown in the user form here, on the Live Portal's "
             "sign-up form and account page as each says, and optionally sent to the gateway with credentials. "
             "Deleting one deletes every user's value of it.",
    ),
    Resource(
        D["invite-codes"], section="People",
        columns=[Column("Code", "code", link=True), Column("Organisation", "organisation"),
                 Column("Team", "team__name"), Column("Uses", lambda c: f"{c.uses} / {c.max_uses or '∞'}"),
                 Column("Expires", "expires_at"), Column("Usable", "is_usable"),
                 Column("Sign-up link", lambda c: accounts.invite_code_sign_up_path(c) if c.is_usable else None,
                        shareable_link=True)],
        search=["code", "organisation__name", "team__name"],
        filters=[Filter("organisation", "Organisation", "organisation_id", _organisations)],
        help="A consumer enters a code in the Invite code field of the Live Portal's sign-up page (Create an "
             "account); the code puts the new account straight into its team. Share a code's sign-up link: it "
             "opens that page with the code filled in.",
    ),
    Resource(
        D["organisation-requests"], section="People",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column("Organisation", "name", link=True), Column("Requested by", "requester"),
                 Column("Status", "status"), Column("Requested", "created_at"), Column("Decided by", "decided_by"),
                 Column("Decided", "decided_at")],
        search=["name", "requester__email"],
        filters=[Filter("status", "Status", "status", _choices(OrganisationRequest.Status))],
        help="Consumers' requests for an organisation of their own (from the Live Portal's My organisation page). "
             "Approve or reject pending requests from the request's page.",
        detail_url_name="adminportal:organisation_request",
    ),
    Resource(
        D["apps"], section="Access",
        columns=[Column("Name", "name", link=True), Column("Owner", "owner"),
                 Column("Organisation", "organisation"), Column("Visibility", "visibility")],
        search=["name", "owner__email", "organisation__name"],
        filters=[Filter("organisation", "Organisation", "organisation_id", _organisations),
                 Filter("visibility", "Visibility", "visibility", _choices(App.Visibility))],
        related=[RelatedList(APP_CUSTOM_CREDENTIALS, "Custom credentials", add_label="Add a custom credential",
                             columns=[Column("Alias", "alias", link=True), Column("Type", "type"),
                                      Column("Key ID", "key_id"), Column("Key", "key_hint"),
                                      Column("Secret", "secret_hint"), Column("Plan", "plan"),
                                      Column("Shown to the owner", "secret_shown_at")])],
    ),
    Resource(
        D["custom-credentials"], section="Access",
        columns=[Column("Alias", "alias", link=True), Column("App", "app"), Column("Type", "type"),
                 Column("Key ID", "key_id"), Column("Shown to the owner", "secret_shown_at")],
        search=["alias", "key_id", "app__name"],
        help="Credentials made outside the portal, added to an app; its owner is shown the key and the secret "
             "once in the Live Portal. Add one from the app's page.",
    ),
    Resource(
        D["access-requests"], section="Access",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column("Request", lambda r: f"#{r.pk}", link=True), Column("App", "app"),
                 Column("Plan", "plan"), Column("Catalogue", "catalogue"), Column("Requester", "requester"),
                 Column("Status", "status"),
                 Column("Credential", lambda r: r.get_provisioning_display() if r.status == "approved" else None),
                 Column("Requested", "created_at")],
        search=["app__name", "requester__email", "plan__display_name"],
        filters=[Filter("status", "Status", "status", _choices(AccessRequest.Status)),
                 Filter("provisioning", "Credential", "provisioning", _choices(AccessRequest.Provisioning))],
        help="Approve or reject pending requests from the request's page, or several at once: tick them, "
             "then Approve or Reject (with one reason for all) below the list.",
        detail_url_name="adminportal:access_request",
        bulk_actions=[BulkAction("approve", "Approve"), BulkAction("reject", "Reject", needs_reason=True)],
    ),
    Resource(
        D["credentials"], section="Access",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column("Credential", lambda c: str(c)), Column("App", "app"), Column("Type", "type"),
                 Column("Provider", "provider"), Column("Created", "created_at"),
                 Column("Expires", "expires_at"), Column("Revoked", "revoked_at")],
        search=["app__name", "provider_reference"],
        filters=[Filter("type", "Type", "type", _choices(Credential.Type))],
    ),
    Resource(
        D["audit-log"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column("When", "at"), Column("Who", lambda e: e.actor_email or "system"),
                 Column("Action", "action"), Column("Type", "object_type"), Column("Object", "object_repr"),
                 Column("Changes", lambda e: ", ".join(sorted(e.changes)) or e.note)],
        search=["object_repr", "actor_email", "note"],
        filters=[Filter("action", "Action", "action", _choices(AuditEntry.Action)),
                 Filter("type", "Type", "object_type", _object_types)],
    ),
]


def _pages() -> list[tuple[str, str]]:
    return [(str(pk), f"{title} ({path})")
            for pk, title, path in Page.objects.values_list("pk", "title", "path")[:MAX_CHOICES + 1]]


RESOURCES += [
    Resource(
        D["pages"], section="Content",
        columns=[Column("Title", "title", link=True), Column("Path", "path"), Column("Template", "template"),
                 Column("Status", "status"), Column("Blocks", "n_blocks"), Column("Updated", "updated_at")],
        search=["title", "path"], filters=[Filter("status", "Status", "status", _choices(Page.Status))],
        help="Live Portal pages: a path, a template of the active theme and named Markdown blocks "
             "(edit them under Content blocks). The page at / is the home page. Drafts are not served.",
    ),
    Resource(
        D["content-blocks"], section="Content",
        columns=[Column("Name", "name", link=True), Column("Page", "page"), Column("Order", "position"),
                 Column("Content", lambda b: (b.content[:80] + "…") if len(b.content) > 80 else b.content)],
        search=["name", "content", "page__title", "page__path"],
        filters=[Filter("of_page", "Page", "page_id", _pages)],  # "page" is the paginator's
        help="The named Markdown blocks of each page; its template shows them as blocks.NAME.content.",
    ),
    Resource(
        D["menu-items"], section="Content",
        columns=[Column("Label", "label", link=True), Column("Menu", "menu"),
                 Column("Leads to", lambda i: i.page.path if i.page is not None else i.url),
                 Column("Parent", lambda i: i.parent.label if i.parent is not None else ""),
                 Column("Order", "position"), Column("Shown", "visibility")],
        search=["label", "url", "page__path"],
        filters=[Filter("menu", "Menu", "menu", _choices(MenuItem.Menu)),
                 Filter("visibility", "Shown", "visibility", _choices(MenuItem.Visibility))],
        help="The Live Portal's menus. Built-in items (Home, Catalogue, Dashboard...) stay until an item here "
             "has the same URL, which replaces them (\"Hidden\" removes one); the rest are sorted by order.",
    ),
]


def _categories() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Category.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


RESOURCES += [
    Resource(
        D["posts"], section="Content",
        columns=[Column("Title", "title", link=True), Column("Path", lambda p: f"/blog/{p.path}"),
                 Column("Status", "status"), Column("Publish date", "published_at"),
                 Column("Categories", lambda p: ", ".join(c.name for c in p.categories.all()) or None),
                 Column("Author", "author_name"), Column("Updated", "updated_at")],
        search=["title", "path", "lede"],
        filters=[Filter("status", "Status", "status", _choices(Post.Status)),
                 Filter("category", "Category", "categories", _categories)],
        help="The blog's posts, served at /blog/PATH. Content is Markdown (HTML in it is cleaned when shown). "
             "A post is shown once published and its publish date has come; drafts are never shown.",
    ),
    Resource(
        D["post-categories"], section="Content",
        columns=[Column("Name", "name", link=True), Column("Posts", "n_posts"), Column("Updated", "updated_at")],
        search=["name"],
        help="The categories blog posts are filed under; the blog's index filters by them. Deleting one takes "
             "its posts out of it.",
    ),
]


def _webhooks() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Webhook.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


def _event_names() -> list[tuple[str, str]]:
    return [(name, name) for name in [*EVENTS, TEST_EVENT]]


RESOURCES += [
    Resource(
        D["oauth-providers"], section="Catalogue",
        columns=[Column("Name", "name", link=True), Column("Type", "type"), Column("Well-known URL", "well_known_url"),
                 Column("Client types", "n_client_types")],
        search=["name", "well_known_url"],
        help="Identity providers where Dynamic Client Registration (RFC 7591) makes OAuth 2.0 clients for apps "
             "(docs/oauth-dcr.md). The initial access token is stored encrypted and never shown again.",
    ),
    Resource(
        D["client-types"], section="Catalogue",
        columns=[Column("Name", "name", link=True), Column("OAuth provider", "provider"),
                 Column("Grant types", lambda c: ", ".join(c.grant_types) or None), Column("Scopes", "scopes"),
                 Column("Products", lambda c: ", ".join(p.name for p in c.products.all()) or None)],
        search=["name"],
        help="The kinds of OAuth 2.0 client an OAuth provider registers. A product with a client type is an "
             "OAuth/DCR product: approving access to it registers a client for the app at the provider.",
    ),
    Resource(
        D["webhooks"], section="Administration",
        columns=[Column("Name", "name", link=True), Column("URL", "url"), Column("Method", "method"),
                 Column("Events", lambda w: ", ".join(w.events) or None), Column("Enabled", "enabled")],
        search=["name", "url"], filters=[Filter("enabled", "Enabled", "enabled", _yes_no)],
        extra_actions=[("Send test event", "test/")],
        help="URLs the portal calls when events happen (docs/webhooks.md). Each request is signed with the "
             "webhook's secret, shown once when it is created.",
    ),
    Resource(
        D["webhook-deliveries"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column("Delivery", lambda d: str(d.delivery_id)[:8], link=True), Column("Event", "event__name"),
                 Column("Webhook", "endpoint"), Column("Status", "status"), Column("Attempts", "attempts"),
                 Column("Response", "response_code"), Column("Error", "error"), Column("Created", "created_at")],
        search=["endpoint__name", "event__name"],
        filters=[Filter("status", "Status", "status", _choices(Delivery.Status)),
                 Filter("event", "Event", "event__name", _event_names),
                 Filter("webhook", "Webhook", "endpoint_id", _webhooks)],
        help="Each event sent to each webhook. Replay a delivery from its page.",
        detail_url_name="adminportal:webhook_delivery",
    ),
]

def _sso_urls(profile: SsoProfile, root: str) -> list[tuple[str, str]]:
    """The URLs an SSO profile's admin registers at the identity provider, and the one users start at."""
    base = root.rstrip("/")
    urls = [("Sign-in URL", base + profile.login_path()),
            ("Callback (redirect URI)" if profile.protocol == SsoProfile.Protocol.OIDC
             else "Assertion consumer service (ACS) URL", base + profile.callback_path())]
    if profile.protocol == SsoProfile.Protocol.SAML:
        urls.append(("SP metadata URL", base + profile.metadata_path()))
    return urls


RESOURCES += [
    Resource(
        D["sso-profiles"], section="People",
        columns=[Column("Name", "name", link=True), Column("ID", "key"), Column("Signs in", "action_type"),
                 Column("Protocol", "protocol"), Column("Enabled", "enabled"),
                 Column("Linked accounts", "n_identities"),
                 Column("Sign-in URL", lambda p: p.login_path(), shareable_link=True)],
        search=["name", "key"],
        filters=[Filter("action_type", "Signs in", "action_type", _choices(SsoProfile.ActionType)),
                 Filter("enabled", "Enabled", "enabled", _yes_no)],
        details=_sso_urls,
        help="Identity providers that sign consumers into the Live Portal or admins into the Admin Portal "
             "(single sign-on, OpenID Connect or SAML 2.0: docs/sso.md). Register the callback URL a profile's "
             "page shows at the identity provider. Deleting a profile unlinks the accounts that signed in "
             "through it; the accounts stay.",
    ),
]

RESOURCES += [
    Resource(
        D["email-log"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        super_admin_only=True,  # messages hold one-time links: see views_mail.py
        columns=[Column("Subject", "subject", link=True), Column("To", "to"), Column("E-mail", "template"),
                 Column("Status", "status"), Column("Attempts", "attempts"), Column("Error", "error"),
                 Column("Created", "created_at")],
        search=["to", "subject"],
        filters=[Filter("status", "Status", "status", _choices(EmailLog.Status)),
                 Filter("template", "E-mail", "template", lambda: [(m.name, m.name) for m in MAILERS])],
        help="Every e-mail the portal sent or tried to send, with its content. Nothing is sent until a From "
             "address and an SMTP host are set (Settings); failed sends are retried, then kept here.",
        detail_url_name="adminportal:email_log_entry",
    ),
]

BY_SLUG = {r.slug: r for r in RESOURCES}

SECTIONS = ["Catalogue", "People", "Access", "Content", "Administration"]
