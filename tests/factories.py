"""Objects for tests, made in bulk where a test needs many."""

import itertools

from forecourt.access.models import AccessRequest, App, Credential
from forecourt.accounts import services as accounts
from forecourt.accounts.models import (
    CustomAttribute,
    InviteCode,
    Organisation,
    OrganisationRequest,
    Role,
    Team,
    User,
    UserAttributeValue,
)
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.providers.models import Provider

_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


def organisation(name: str | None = None) -> Organisation:
    org = Organisation.objects.create(name=name or f"Org {n()}")
    Team.objects.create(organisation=org, name="Default Team", is_default=True)
    return org


def team(org: Organisation, name: str | None = None) -> Team:
    return Team.objects.create(organisation=org, name=name or f"Team {n()}")


def consumer(org: Organisation | None = None, role: str = Role.CONSUMER_TEAM_MEMBER, **fields) -> User:
    org = org or accounts.ensure_default_organisation()[0]
    user = User.objects.create_user(f"user{n()}@example.com", "a-long-passphrase", organisation=org, role=role,
                                    **fields)
    user.teams.add(org.teams.get(is_default=True))
    return user


def provider(name: str | None = None) -> Provider:
    return Provider.objects.create(name=name or f"Dashboard {n()}", url="https://dashboard.example.com",
                                   secret="dashboard-api-key", org_id="org1")


def product(**fields) -> Product:
    i = n()
    return Product.objects.create(**{"name": f"product-{i}", "display_name": f"Product {i}", "slug": f"product-{i}",
                                     **fields})


def plan(**fields) -> Plan:
    i = n()
    return Plan.objects.create(**{"name": f"plan-{i}", "display_name": f"Plan {i}", **fields})


def catalogue(products=(), plans=(), visibility=Catalogue.Visibility.PUBLIC, audiences=()) -> Catalogue:
    cat = Catalogue.objects.create(name=f"Catalogue {n()}", visibility=visibility)
    cat.products.set(products)
    cat.plans.set(plans)
    for org in audiences:
        CatalogueAudience.objects.create(catalogue=cat, organisation=org)
    return cat


def app(owner: User, **fields) -> App:
    return App.objects.create(**{"name": f"App {n()}", "owner": owner, "organisation": owner.organisation, **fields})


def pending_request(owner: User | None = None, plan_obj: Plan | None = None) -> AccessRequest:
    from forecourt.access import services as access

    owner = owner or consumer()
    plan_obj = plan_obj or plan()
    prod = product(published=True)
    cat = catalogue([prod], [plan_obj])
    return access.submit_request(app(owner), cat, plan_obj, [prod], owner)


def many(kind: str, count: int) -> None:
    """`count` rows of a list page's resource, with the related rows its columns show."""
    org = organisation()
    b = n()  # a batch number, so that calling this twice makes distinct names
    teams = Team.objects.bulk_create(Team(organisation=org, name=f"Bulk team {i}") for i in range(count))
    if kind == "teams":
        return
    if kind == "organisations":
        Organisation.objects.bulk_create(Organisation(name=f"Bulk org {b}-{i}") for i in range(count))
    elif kind == "users":
        users = User.objects.bulk_create(
            User(email=f"bulk{b}-{i}@example.com", organisation=org, role=Role.CONSUMER_TEAM_MEMBER)
            for i in range(count)
        )
        User.teams.through.objects.bulk_create(
            User.teams.through(user_id=u.pk, team_id=teams[i].pk) for i, u in enumerate(users))
        attribute = CustomAttribute.objects.create(name=f"Seats {b}", identifier=f"seats-{b}", type=4)
        UserAttributeValue.objects.bulk_create(UserAttributeValue(user=u, attribute=attribute, value=str(i))
                                               for i, u in enumerate(users))
    elif kind == "custom-attributes":
        CustomAttribute.objects.bulk_create(CustomAttribute(name=f"Attr {b}-{i}", identifier=f"attr-{b}-{i}")
                                            for i in range(count))
    elif kind == "providers":
        Provider.objects.bulk_create(Provider(name=f"P {b}-{i}", url="https://d.example.com", secret="")
                                     for i in range(count))
    elif kind in ("products", "product-apis", "product-docs", "product-specs"):
        prov = provider()
        products = Product.objects.bulk_create(
            Product(name=f"bp{i}", display_name=f"BP {i}", slug=f"bp-{b}-{i}", provider=prov) for i in range(count))
        ProductAPI.objects.bulk_create(ProductAPI(product=p, name=f"API {p.pk}") for p in products)
        ProductDoc.objects.bulk_create(ProductDoc(product=p, title=f"Doc {p.pk}") for p in products)
        ProductSpec.objects.bulk_create(ProductSpec(product=p, spec_alias=f"spec-{p.pk}") for p in products)
    elif kind == "plans":
        prov = provider()
        Plan.objects.bulk_create(Plan(name=f"bpl{i}", display_name=f"BPL {i}", provider=prov) for i in range(count))
    elif kind == "catalogues":
        prod, pl = product(), plan()
        cats = Catalogue.objects.bulk_create(Catalogue(name=f"BC {b}-{i}") for i in range(count))
        Catalogue.products.through.objects.bulk_create(
            Catalogue.products.through(catalogue_id=c.pk, product_id=prod.pk) for c in cats)
        Catalogue.plans.through.objects.bulk_create(
            Catalogue.plans.through(catalogue_id=c.pk, plan_id=pl.pk) for c in cats)
    elif kind == "invite-codes":
        InviteCode.objects.bulk_create(InviteCode(code=f"code-{b}-{i}", organisation=org, team=teams[i])
                                       for i in range(count))
    elif kind == "organisation-requests":
        requester = consumer(org)
        OrganisationRequest.objects.bulk_create(OrganisationRequest(name=f"Wanted {b}-{i}", requester=requester)
                                                for i in range(count))
    elif kind in ("apps", "access-requests", "credentials"):
        owner = consumer(org)
        prod, pl = product(), plan()
        cat = catalogue([prod], [pl])
        apps = App.objects.bulk_create(App(name=f"BA {i}", owner=owner, organisation=org) for i in range(count))
        requests = AccessRequest.objects.bulk_create(
            AccessRequest(app=a, catalogue=cat, plan=pl, requester=owner) for a in apps)
        Credential.objects.bulk_create(
            Credential(app=r.app, access_request=r, provider_reference=f"k{r.pk}", secret_hint="abcd")
            for r in requests)
    elif kind == "custom-credentials":
        from forecourt.access.models import CustomCredential

        owner, pl = consumer(org), plan()
        apps = App.objects.bulk_create(App(name=f"CA {b}-{i}", owner=owner, organisation=org) for i in range(count))
        CustomCredential.objects.bulk_create(CustomCredential(app=a, alias=f"Imported {a.pk}", plan=pl, key_hint="abcd")
                                             for a in apps)
    elif kind in ("pages", "content-blocks", "menu-items"):
        from forecourt.content.models import ContentBlock, MenuItem, Page

        pages = Page.objects.bulk_create(Page(title=f"Page {b}-{i}", path=f"/bulk-{b}-{i}") for i in range(count))
        ContentBlock.objects.bulk_create(ContentBlock(page=p, name="Body", content="Hello") for p in pages)
        parents = MenuItem.objects.bulk_create(MenuItem(label=f"M {b}-{i}", page=p) for i, p in enumerate(pages))
        MenuItem.objects.bulk_create(MenuItem(label=f"C {p.pk}", url="/x", parent=p) for p in parents)
    elif kind == "audit-log":
        AuditEntry.objects.bulk_create(
            AuditEntry(action="create", object_type="catalog.product", object_id=str(i), object_repr=f"P {i}",
                       actor_email="admin@example.com", changes={"name": [None, f"P {i}"]}) for i in range(count))
    elif kind in ("webhooks", "webhook-deliveries"):
        from forecourt.webhooks.models import Delivery, Event, Webhook

        hooks = Webhook.objects.bulk_create(Webhook(name=f"Hook {b}-{i}", url="https://hooks.example.com/",
                                                    events=["AccessRequestCreated"]) for i in range(count))
        event = Event.objects.create(name="AccessRequestCreated", message={})
        Delivery.objects.bulk_create(Delivery(event=event, endpoint=h) for h in hooks)
    elif kind in ("posts", "post-categories"):
        from forecourt.blog.models import Category, Post

        categories = Category.objects.bulk_create(Category(name=f"Category {b}-{i}") for i in range(count))
        posts = Post.objects.bulk_create(Post(title=f"Post {b}-{i}", path=f"post-{b}-{i}") for i in range(count))
        Post.categories.through.objects.bulk_create(
            Post.categories.through(post=p, category=c) for p, c in zip(posts, categories, strict=True))
    elif kind in ("oauth-providers", "client-types"):
        from forecourt.oauth.models import ClientType, OAuthProvider

        idps = OAuthProvider.objects.bulk_create(OAuthProvider(name=f"IdP {b}-{i}",
                                                               well_known_url="https://idp.example.com/.well-known/x")
                                                 for i in range(count))
        types = ClientType.objects.bulk_create(ClientType(provider=p, name=f"Server {p.pk}",
                                                          grant_types=["client_credentials"]) for p in idps)
        dcr = Product.objects.create(name=f"DCR {b}", slug=f"dcr-{b}")
        ClientType.products.through.objects.bulk_create(
            ClientType.products.through(clienttype=t, product=dcr) for t in types)
    elif kind == "sso-profiles":
        from forecourt.sso.models import SsoIdentity, SsoProfile

        profiles = SsoProfile.objects.bulk_create(
            SsoProfile(key=f"idp-{b}-{i}", name=f"IdP {b}-{i}", oidc_discovery_url="https://idp.example.com/"
                       ".well-known/openid-configuration", oidc_client_id="portal", default_team=teams[i])
            for i in range(count))
        users = User.objects.bulk_create(User(email=f"sso{b}-{i}@example.com", organisation=org)
                                         for i in range(count))
        SsoIdentity.objects.bulk_create(SsoIdentity(profile=p, subject=f"s{i}", user=u, linked_by="just-in-time")
                                        for i, (p, u) in enumerate(zip(profiles, users, strict=True)))
    elif kind == "email-log":
        from forecourt.notify.models import EmailLog

        EmailLog.objects.bulk_create(EmailLog(to=f"dev{b}-{i}@example.com", subject=f"Hello {i}", template="welcome",
                                              body_text="Hello") for i in range(count))
    else:
        raise ValueError(kind)
