"""The Admin Portal's resources: what each list shows, searches and filters, over the resources'
definitions (model, form, queryset, delete rules: forecourt.resources.definitions)."""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db.models import Choices
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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
ORDER = pgettext_lazy("position in a list", "Order")  # the column of an item's place, not a purchase


def _choices(enum: type[Choices]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: list(enum.choices)


def _organisations() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Organisation.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


def _yes_no() -> list[tuple[str, str]]:
    return [("1", gettext("Yes")), ("0", gettext("No"))]


def _push_state(item: Any) -> str:
    """Whether the item and its provider's policy are in step both ways, with the reason if not."""
    if item.provider_id is None:
        return ""
    if item.sync_problem:
        return gettext("Unreadable at the last sync: %(problem)s") % {"problem": item.sync_problem}
    if item.push_state == "failed":
        return gettext("Not written: %(error)s") % {"error": item.push_error}
    return gettext("Being written") if item.push_state == "pending" else gettext("In step")


def _spec_name(spec: Any) -> str:
    """A specification's name, or its alias when it has none (the name is optional, as in Tyk): the column
    is the row's link, and a link without text is one a screen reader cannot name (axe's link-name)."""
    return str(spec.name or spec.spec_alias)


# Products and plans whose policy the last sync could not read ("1"), or could ("0").
SYNC_PROBLEM = Filter("sync_problem", _("Policy unreadable"), "sync_problem_since__isnull", _yes_no,
                      value=lambda v: v == "0")
# Products and plans whose last write to their provider failed ("1"), or did not ("0"): the dashboard's
# "not written to their provider" links here.
PUSH_FAILED = Filter("push_failed", _("Provider write failed"), "push_state__in", _yes_no,
                     value=lambda v: [PushState.FAILED] if v == "1" else [PushState.SYNCED, PushState.PENDING])


def _provider_status(provider: Any) -> str:
    """"Syncing…" while a sync job is queued or running (from the list's `syncing` annotation)."""
    return gettext("Syncing…") if getattr(provider, "syncing", False) else provider.get_status_display()


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
        columns=[Column(_("Name"), "name", link=True), Column(_("Type"), "type"), Column(_("URL"), "url"),
                 Column(_("Status"), _provider_status), Column(_("Last synced"), "last_synced_at"),
                 Column(_("Skipped policies"), lambda p: len(p.sync_problems) or None),
                 Column(_("Products"), "n_products")],
        search=["name", "url"], filters=[Filter("status", _("Status"), "status", _choices(Provider.Status))],
        extra_actions=[(_("Sync"), "sync/")],
        help=_("Gateways whose policies become products and plans."),
    ),
    Resource(
        D["products"], section="Catalogue",
        columns=[Column(_("Name"), "display_name", link=True), Column(_("Path"), "slug"),
                 Column(_("Provider"), "provider"), Column(_("APIs"), "n_apis"),
                 Column(_("OAuth/DCR"), lambda p: gettext("Yes") if getattr(p, "n_client_types", 0) else None),
                 Column(_("Published"), "published"), Column(_("Hidden by sync"), "hidden_by_sync"),
                 Column(_("Provider policy"), _push_state)],
        search=["display_name", "name", "slug", "description"],
        filters=[Filter("published", _("Published"), "published", _yes_no),
                 Filter("featured", _("Featured"), "featured", _yes_no),
                 Filter("provider", _("Provider"), "provider_id", _providers), SYNC_PROBLEM, PUSH_FAILED],
        related=[
            RelatedList(PRODUCT_APIS, _("APIs"), add_label=_("Add an API"),
                        columns=[Column(_("Name"), "name", link=True), Column(_("API ID"), "api_id"),
                                 Column(_("Listen path"), "listen_path"), Column(_("Auth type"), "auth_type"),
                                 Column(_("OpenAPI document"), "has_document")]),
            RelatedList(PRODUCT_DOCS, _("Getting-started documents"), add_label=_("Add a document"),
                        columns=[Column(_("Title"), "title", link=True), Column(ORDER, "position")]),
            RelatedList(PRODUCT_SPECS, _("Specifications without a provider API"), add_label=_("Add a specification"),
                        columns=[Column(_("Name"), _spec_name, link=True), Column(_("Alias"), "spec_alias"),
                                 Column(_("Imported from"), "oas_url")]),
            RelatedList(PRODUCT_CLIENT_TYPES, _("OAuth client types"),
                        add_label=_("Add a client type"),
                        columns=[Column(_("Name"), "name", link=True), Column(_("OAuth provider"), "provider"),
                                 Column(_("Grant types"), lambda c: ", ".join(c.grant_types) or None),
                                 Column(_("Scopes"), "scopes")]),
        ],
    ),
    Resource(
        D["product-apis"], section="Catalogue",
        columns=[Column(_("Name"), "name", link=True), Column(_("Product"), "product"),
                 Column(_("Listen path"), "listen_path"), Column(_("Auth"), "auth_type")],
        search=["name", "listen_path", "product__display_name"],
    ),
    Resource(
        D["product-docs"], section="Catalogue",
        columns=[Column(_("Title"), "title", link=True), Column(_("Product"), "product"),
                 Column(ORDER, "position")],
        search=["title", "product__display_name"],
        help=_("The ordered \"getting started\" documents of each product."),
    ),
    Resource(
        D["product-specs"], section="Catalogue",
        columns=[Column(_("Name"), _spec_name, link=True), Column(_("Alias"), "spec_alias"),
                 Column(_("Product"), "product")],
        search=["name", "spec_alias", "product__display_name"],
        help=_("Products' specifications that no provider API stands behind (Tyk's spec details): an OpenAPI document, "
             "a GraphQL schema, an AsyncAPI document (Forecourt's own)."),
    ),
    Resource(
        D["plans"], section="Catalogue",
        columns=[Column(_("Name"), "display_name", link=True), Column(_("Limits"), "limits_in_words"),
                 Column(_("Auto-approve"), "auto_approve"), Column(_("Provider"), "provider"),
                 Column(_("Provider policy"), _push_state)],
        search=["display_name", "name", "description"],
        filters=[Filter("auto_approve", _("Auto-approve"), "auto_approve", _yes_no), SYNC_PROBLEM, PUSH_FAILED],
    ),
    Resource(
        D["catalogues"], section="Catalogue",
        columns=[Column(_("Name"), "name", link=True), Column(_("Visibility"), "visibility"),
                 Column(_("Products"), "n_products"), Column(_("Plans"), "n_plans")],
        search=["name"], filters=[Filter("visibility", _("Visibility"), "visibility", _choices(Catalogue.Visibility))],
    ),
    Resource(
        D["organisations"], section="People",
        columns=[Column(_("Name"), "name", link=True), Column(_("Teams"), "n_teams"), Column(_("Users"), "n_users"),
                 Column(_("Default"), lambda o: bool(o.is_default))],
        search=["name"],
    ),
    Resource(
        D["teams"], section="People",
        columns=[Column(_("Name"), "name", link=True), Column(_("Organisation"), "organisation"),
                 Column(_("Members"), "n_members"), Column(_("Default"), lambda t: bool(t.is_default))],
        search=["name", "organisation__name"],
        filters=[Filter("organisation", _("Organisation"), "organisation_id", _organisations)],
    ),
    Resource(
        D["users"], section="People",
        columns=[Column(_("E-mail"), "email", link=True), Column(_("Name"), lambda u: u.get_full_name()),
                 Column(_("Role"), "role"), Column(_("Organisation"), "organisation"),
                 Column(_("Teams"), lambda u: ", ".join(t.name for t in u.teams.all())),
                 Column(_("Attributes"), lambda u: "; ".join(f"{v.attribute.name}: {v.value}"
                                                          for v in u.attribute_values.all()) or None),
                 Column(_("Active"), "is_active")],
        search=["email", "first_name", "last_name"],
        filters=[Filter("role", _("Role"), "role", _choices(Role)),
                 Filter("organisation", _("Organisation"), "organisation_id", _organisations),
                 Filter("active", _("Active"), "is_active", _yes_no)],
        extra_actions=[(_("Manage"), "actions/")],
        bulk_actions=[BulkAction("activate", _("Activate")), BulkAction("deactivate", _("Deactivate"))],
    ),
    Resource(
        D["custom-attributes"], section="People",
        columns=[Column(_("Label"), "name", link=True), Column(_("Identifier"), "identifier"),
                 Column(_("Type"), "type"),
                 Column(_("Consumers"), "behaviour"), Column(_("Required"), "required"),
                 Column(_("On sign-up"), "show_on_signup"),
                 Column(_("In credentials' metadata"), "add_to_key_metadata"),
                 Column(_("Users with a value"), "n_values")],
        search=["name", "identifier"],
        help=_("Fields every user has besides the built-in ones, shown in the user form here, on the Live Portal's "
             "sign-up form and account page as each says, and optionally sent to the gateway with credentials. "
             "Deleting one deletes every user's value of it."),
    ),
    Resource(
        D["invite-codes"], section="People",
        columns=[Column(_("Code"), "code", link=True), Column(_("Organisation"), "organisation"),
                 Column(_("Team"), "team__name"), Column(_("Uses"), lambda c: f"{c.uses} / {c.max_uses or '∞'}"),
                 Column(_("Expires"), "expires_at"), Column(_("Usable"), "is_usable"),
                 Column(_("Sign-up link"), lambda c: accounts.invite_code_sign_up_path(c) if c.is_usable else None,
                        shareable_link=True)],
        search=["code", "organisation__name", "team__name"],
        filters=[Filter("organisation", _("Organisation"), "organisation_id", _organisations)],
        help=_("A consumer enters a code in the Invite code field of the Live Portal's sign-up page (Create an "
             "account); the code puts the new account straight into its team. Share a code's sign-up link: it "
             "opens that page with the code filled in."),
    ),
    Resource(
        D["organisation-requests"], section="People",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column(_("Organisation"), "name", link=True), Column(_("Requested by"), "requester"),
                 Column(_("Status"), "status"), Column(_("Requested"), "created_at"),
                 Column(_("Decided by"), "decided_by"),
                 Column(_("Decided"), "decided_at")],
        search=["name", "requester__email"],
        filters=[Filter("status", _("Status"), "status", _choices(OrganisationRequest.Status))],
        help=_("Consumers' requests for an organisation of their own (from the Live Portal's My organisation page). "
             "Approve or reject pending requests from the request's page."),
        detail_url_name="adminportal:organisation_request",
    ),
    Resource(
        D["apps"], section="Access",
        columns=[Column(_("Name"), "name", link=True), Column(_("Owner"), "owner"),
                 Column(_("Organisation"), "organisation"), Column(_("Visibility"), "visibility")],
        search=["name", "owner__email", "organisation__name"],
        filters=[Filter("organisation", _("Organisation"), "organisation_id", _organisations),
                 Filter("visibility", _("Visibility"), "visibility", _choices(App.Visibility))],
        related=[RelatedList(APP_CUSTOM_CREDENTIALS, _("Custom credentials"), add_label=_("Add a custom credential"),
                             columns=[Column(_("Alias"), "alias", link=True), Column(_("Type"), "type"),
                                      Column(_("Key ID"), "key_id"), Column(_("Key"), "key_hint"),
                                      Column(_("Secret"), "secret_hint"), Column(_("Plan"), "plan"),
                                      Column(_("Shown to the owner"), "secret_shown_at")])],
    ),
    Resource(
        D["custom-credentials"], section="Access",
        columns=[Column(_("Alias"), "alias", link=True), Column(_("App"), "app"), Column(_("Type"), "type"),
                 Column(_("Key ID"), "key_id"), Column(_("Shown to the owner"), "secret_shown_at")],
        search=["alias", "key_id", "app__name"],
        help=_("Credentials made outside the portal, added to an app; its owner is shown the key and the secret "
             "once in the Live Portal. Add one from the app's page."),
    ),
    Resource(
        D["access-requests"], section="Access",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column(_("Request"), lambda r: f"#{r.pk}", link=True), Column(_("App"), "app"),
                 Column(_("Plan"), "plan"), Column(_("Catalogue"), "catalogue"), Column(_("Requester"), "requester"),
                 Column(_("Status"), "status"),
                 Column(_("Credential"), lambda r: r.get_provisioning_display() if r.status == "approved" else None),
                 Column(_("Requested"), "created_at")],
        search=["app__name", "requester__email", "plan__display_name"],
        filters=[Filter("status", _("Status"), "status", _choices(AccessRequest.Status)),
                 Filter("provisioning", _("Credential"), "provisioning", _choices(AccessRequest.Provisioning))],
        help=_("Approve or reject pending requests from the request's page, or several at once: tick them, "
             "then Approve or Reject (with one reason for all) below the list."),
        detail_url_name="adminportal:access_request",
        bulk_actions=[BulkAction("approve", _("Approve")), BulkAction("reject", _("Reject"), needs_reason=True)],
    ),
    Resource(
        D["credentials"], section="Access",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column(_("Credential"), lambda c: str(c)), Column(_("App"), "app"), Column(_("Type"), "type"),
                 Column(_("Provider"), "provider"), Column(_("Created"), "created_at"),
                 Column(_("Expires"), "expires_at"), Column(_("Revoked"), "revoked_at")],
        search=["app__name", "provider_reference"],
        filters=[Filter("type", _("Type"), "type", _choices(Credential.Type))],
    ),
    Resource(
        D["audit-log"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column(_("When"), "at"), Column(_("Who"), lambda e: e.actor_email or gettext("system")),
                 Column(_("Action"), "action"), Column(_("Type"), "object_type"), Column(_("Object"), "object_repr"),
                 Column(_("Changes"), lambda e: ", ".join(sorted(e.changes)) or e.note)],
        search=["object_repr", "actor_email", "note"],
        filters=[Filter("action", _("Action"), "action", _choices(AuditEntry.Action)),
                 Filter("type", _("Type"), "object_type", _object_types)],
    ),
]


def _pages() -> list[tuple[str, str]]:
    return [(str(pk), f"{title} ({path})")
            for pk, title, path in Page.objects.values_list("pk", "title", "path")[:MAX_CHOICES + 1]]


RESOURCES += [
    Resource(
        D["pages"], section="Content",
        columns=[Column(_("Title"), "title", link=True), Column(_("Path"), "path"), Column(_("Template"), "template"),
                 Column(_("Status"), "status"), Column(_("Blocks"), "n_blocks"), Column(_("Updated"), "updated_at")],
        search=["title", "path"], filters=[Filter("status", _("Status"), "status", _choices(Page.Status))],
        help=_("Live Portal pages: a path, a template of the active theme and named Markdown blocks "
             "(edit them under Content blocks). The page at / is the home page. Drafts are not served."),
    ),
    Resource(
        D["content-blocks"], section="Content",
        columns=[Column(_("Name"), "name", link=True), Column(_("Page"), "page"), Column(ORDER, "position"),
                 Column(_("Content"), lambda b: (b.content[:80] + "…") if len(b.content) > 80 else b.content)],
        search=["name", "content", "page__title", "page__path"],
        filters=[Filter("of_page", _("Page"), "page_id", _pages)],  # "page" is the paginator's
        help=_("The named Markdown blocks of each page; its template shows them as blocks.NAME.content."),
    ),
    Resource(
        D["menu-items"], section="Content",
        columns=[Column(_("Label"), "label", link=True), Column(_("Menu"), "menu"),
                 Column(_("Leads to"), lambda i: i.page.path if i.page is not None else i.url),
                 Column(_("Parent"), lambda i: i.parent.label if i.parent is not None else ""),
                 Column(ORDER, "position"), Column(_("Shown"), "visibility")],
        search=["label", "url", "page__path"],
        filters=[Filter("menu", _("Menu"), "menu", _choices(MenuItem.Menu)),
                 Filter("visibility", _("Shown"), "visibility", _choices(MenuItem.Visibility))],
        help=_("The Live Portal's menus. Built-in items (Home, Catalogue, Dashboard...) stay until an item here "
             "has the same URL, which replaces them (\"Hidden\" removes one); the rest are sorted by order."),
    ),
]


def _categories() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Category.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


RESOURCES += [
    Resource(
        D["posts"], section="Content",
        columns=[Column(_("Title"), "title", link=True), Column(_("Path"), lambda p: f"/blog/{p.path}"),
                 Column(_("Status"), "status"), Column(_("Publish date"), "published_at"),
                 Column(_("Categories"), lambda p: ", ".join(c.name for c in p.categories.all()) or None),
                 Column(_("Author"), "author_name"), Column(_("Updated"), "updated_at")],
        search=["title", "path", "lede"],
        filters=[Filter("status", _("Status"), "status", _choices(Post.Status)),
                 Filter("category", _("Category"), "categories", _categories)],
        help=_("The blog's posts, served at /blog/PATH. Content is Markdown (HTML in it is cleaned when shown). "
             "A post is shown once published and its publish date has come; drafts are never shown."),
    ),
    Resource(
        D["post-categories"], section="Content",
        columns=[Column(_("Name"), "name", link=True), Column(_("Posts"), "n_posts"),
                 Column(_("Updated"), "updated_at")],
        search=["name"],
        help=_("The categories blog posts are filed under; the blog's index filters by them. Deleting one takes "
             "its posts out of it."),
    ),
]


def _webhooks() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Webhook.objects.values_list("pk", "name")[:MAX_CHOICES + 1]]


def _event_names() -> list[tuple[str, str]]:
    return [(name, name) for name in [*EVENTS, TEST_EVENT]]


RESOURCES += [
    Resource(
        D["oauth-providers"], section="Catalogue",
        columns=[Column(_("Name"), "name", link=True), Column(_("Type"), "type"),
                 Column(_("Well-known URL"), "well_known_url"),
                 Column(_("Client types"), "n_client_types")],
        search=["name", "well_known_url"],
        help=_("Identity providers where Dynamic Client Registration (RFC 7591) makes OAuth 2.0 clients for apps "
             "(docs/oauth-dcr.md). The initial access token is stored encrypted and never shown again."),
    ),
    Resource(
        D["client-types"], section="Catalogue",
        columns=[Column(_("Name"), "name", link=True), Column(_("OAuth provider"), "provider"),
                 Column(_("Grant types"), lambda c: ", ".join(c.grant_types) or None), Column(_("Scopes"), "scopes"),
                 Column(_("Products"), lambda c: ", ".join(p.name for p in c.products.all()) or None)],
        search=["name"],
        help=_("The kinds of OAuth 2.0 client an OAuth provider registers. A product with a client type is an "
             "OAuth/DCR product: approving access to it registers a client for the app at the provider."),
    ),
    Resource(
        D["webhooks"], section="Administration",
        columns=[Column(_("Name"), "name", link=True), Column(_("URL"), "url"), Column(_("Method"), "method"),
                 Column(_("Events"), lambda w: ", ".join(w.events) or None), Column(_("Enabled"), "enabled")],
        search=["name", "url"], filters=[Filter("enabled", _("Enabled"), "enabled", _yes_no)],
        extra_actions=[(_("Send test event"), "test/")],
        help=_("URLs the portal calls when events happen (docs/webhooks.md). Each request is signed with the "
             "webhook's secret, shown once when it is created."),
    ),
    Resource(
        D["webhook-deliveries"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        columns=[Column(_("Delivery"), lambda d: str(d.delivery_id)[:8], link=True), Column(_("Event"), "event__name"),
                 Column(_("Webhook"), "endpoint"), Column(_("Status"), "status"), Column(_("Attempts"), "attempts"),
                 Column(_("Response"), "response_code"), Column(_("Error"), "error"),
                 Column(_("Created"), "created_at")],
        search=["endpoint__name", "event__name"],
        filters=[Filter("status", _("Status"), "status", _choices(Delivery.Status)),
                 Filter("event", _("Event"), "event__name", _event_names),
                 Filter("webhook", _("Webhook"), "endpoint_id", _webhooks)],
        help=_("Each event sent to each webhook. Replay a delivery from its page."),
        detail_url_name="adminportal:webhook_delivery",
    ),
]

def _sso_urls(profile: SsoProfile, root: str) -> list[tuple[str, str]]:
    """The URLs an SSO profile's admin registers at the identity provider, and the one users start at."""
    base = root.rstrip("/")
    urls = [(gettext("Sign-in URL"), base + profile.login_path()),
            (gettext("Callback (redirect URI)") if profile.protocol == SsoProfile.Protocol.OIDC
             else gettext("Assertion consumer service (ACS) URL"), base + profile.callback_path())]
    if profile.protocol == SsoProfile.Protocol.SAML:
        urls.append((gettext("SP metadata URL"), base + profile.metadata_path()))
    return urls


RESOURCES += [
    Resource(
        D["sso-profiles"], section="People",
        columns=[Column(_("Name"), "name", link=True), Column(_("ID"), "key"), Column(_("Signs in"), "action_type"),
                 Column(_("Protocol"), "protocol"), Column(_("Enabled"), "enabled"),
                 Column(_("Linked accounts"), "n_identities"),
                 Column(_("Sign-in URL"), lambda p: p.login_path(), shareable_link=True)],
        search=["name", "key"],
        filters=[Filter("action_type", _("Signs in"), "action_type", _choices(SsoProfile.ActionType)),
                 Filter("enabled", _("Enabled"), "enabled", _yes_no)],
        details=_sso_urls,
        help=_("Identity providers that sign consumers into the Live Portal or admins into the Admin Portal "
             "(single sign-on, OpenID Connect or SAML 2.0: docs/sso.md). Register the callback URL a profile's "
             "page shows at the identity provider. Deleting a profile unlinks the accounts that signed in "
             "through it; the accounts stay."),
    ),
]

RESOURCES += [
    Resource(
        D["email-log"], section="Administration",
        can_create=False, can_edit=False, can_delete=False,
        super_admin_only=True,  # messages hold one-time links: see views_mail.py
        columns=[Column(_("Subject"), "subject", link=True), Column(_("To"), "to"), Column(_("E-mail"), "template"),
                 Column(_("Status"), "status"), Column(_("Attempts"), "attempts"), Column(_("Error"), "error"),
                 Column(_("Created"), "created_at")],
        search=["to", "subject"],
        filters=[Filter("status", _("Status"), "status", _choices(EmailLog.Status)),
                 Filter("template", _("E-mail"), "template", lambda: [(m.name, m.name) for m in MAILERS])],
        help=_("Every e-mail the portal sent or tried to send, with its content. Nothing is sent until a From "
             "address and an SMTP host are set (Settings); failed sends are retried, then kept here."),
        detail_url_name="adminportal:email_log_entry",
    ),
]

BY_SLUG = {r.slug: r for r in RESOURCES}

# The navigation's sections: each resource names its section by key (Resource.section); the title is
# what the sidebar shows, in the admin's language.
SECTIONS = ["Catalogue", "People", "Access", "Content", "Administration"]
SECTION_TITLES = {"Catalogue": _("Catalogue"), "People": _("People"), "Access": _("Access"),
                  "Content": _("Content"), "Administration": _("Administration")}
