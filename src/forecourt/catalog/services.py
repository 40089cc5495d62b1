"""Rules about products, plans, catalogues and providers, shared by the Admin Portal and API."""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext

from forecourt.accounts.models import Organisation, Team, User
from forecourt.pagecache import revision as page_cache
from forecourt.wording import counted

from . import policy_push as push
from .models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc, ProductSpec

# How many products a page of the catalogue lists: the Live Portal's catalogue page, and `forecourt
# verify`, which walks those pages (the life-cycle is below the Live Portal and cannot import it).
CATALOGUE_PAGE_SIZE = 20


def _requests_note(count: int, status: str) -> str:
    return f"{counted(count, f'{status} access request')} {'uses' if count == 1 else 'use'} it"


def plan_delete_blockers(plan: Plan, actor: User) -> list[str]:
    counts = {s: plan.access_requests.filter(status=s).count() for s in ("approved", "pending")}
    if counts["approved"]:
        return [(f"{_requests_note(counts['approved'], 'approved')}: their credentials depend on this plan."
                " Remove it from its catalogues to stop new requests instead.")]
    if counts["pending"]:
        return [f"{_requests_note(counts['pending'], 'pending')}: approve or reject them first."]
    return []


def product_delete_blockers(product: Product, actor: User) -> list[str]:
    approved = product.access_requests.filter(status="approved").count()
    if approved:
        return [f"{_requests_note(approved, 'approved')}: unpublish the product instead."]
    pending = product.access_requests.filter(status="pending").count()
    if pending:
        return [f"{_requests_note(pending, 'pending')}: approve or reject them first."]
    return []


def catalogue_delete_blockers(catalogue: Catalogue, actor: User) -> list[str]:
    count = catalogue.access_requests.count()
    if count:
        return [(f"{counted(count, 'access request')} {'was' if count == 1 else 'were'} made through it: "
                "remove its products instead.")]
    return []


def provider_delete_blockers(provider: Model, actor: User) -> list[str]:
    """A provider (forecourt.providers, above catalog) cannot go while products or plans come from it."""
    products = Product.objects.filter(provider_id=provider.pk).count()
    plans = Plan.objects.filter(provider_id=provider.pk).count()
    if products or plans:
        return [f"{counted(products, 'product')} and {counted(plans, 'plan')} come from it: delete them first."]
    return []


def audience_choices() -> list[tuple[str, str]]:
    """Every possible audience: each organisation (all its teams) and each team, as form choices."""
    choices: list[tuple[str, str]] = []
    teams: dict[int, list[Team]] = {}
    for team in Team.objects.order_by("name"):
        teams.setdefault(team.organisation_id, []).append(team)
    for organisation in Organisation.objects.order_by("name"):
        choices.append((f"org:{organisation.pk}",
                        gettext("%(organisation)s (all teams)") % {"organisation": organisation.name}))
        choices.extend((f"team:{t.pk}", f"{organisation.name} / {t.name}") for t in teams.get(organisation.pk, []))
    return choices


def audience_keys(catalogue: Catalogue) -> list[str]:
    return [f"team:{a.team_id}" if a.team_id else f"org:{a.organisation_id}" for a in catalogue.audiences.all()]


def set_audiences(catalogue: Catalogue, keys: list[str]) -> None:
    """Replace the catalogue's audiences with the given "org:ID" / "team:ID" keys."""
    wanted: set[tuple[int, int | None]] = set()
    team_ids = [int(k.split(":", 1)[1]) for k in keys if k.startswith("team:")]
    team_orgs = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "organisation_id"))
    for key in keys:
        kind, _, raw = key.partition(":")
        if kind == "org":
            wanted.add((int(raw), None))
        elif kind == "team" and int(raw) in team_orgs:
            wanted.add((team_orgs[int(raw)], int(raw)))
    existing = {(a.organisation_id, a.team_id): a for a in catalogue.audiences.all()}
    for pair, audience in existing.items():
        if pair not in wanted:
            audience.delete()
    CatalogueAudience.objects.bulk_create(
        [CatalogueAudience(catalogue=catalogue, organisation_id=o, team_id=t) for o, t in wanted - set(existing)]
    )
    page_cache.bump()  # bulk_create sends no signal


def save_catalogue(form: Any, actor: User) -> Catalogue:
    catalogue: Catalogue = form.save()
    set_audiences(catalogue, form.cleaned_data.get("audiences") or [])
    return catalogue


# -- products and plans are written to their provider when the portal changes them ----------------

def default_names(name: str | None, display_name: str | None) -> tuple[str | None, str | None]:
    """A new product's or plan's (name, display name) when one of them is not given: the other.

    The two are the same until someone customises the display name (save_with_push, below, and the
    sync rely on that to let an uncustomised display name follow a rename), so either stands for
    both: Tyk's clients create with `DisplayName` only (portal-go), others with `Name` only.
    """
    return (name if name is not None else display_name,
            display_name if display_name is not None else name)


def save_with_push(form: Any, actor: User) -> Product | Plan:
    """Save a product or plan form; if that changes what its provider's policy holds (or it has
    no policy yet), queue writing the policy, in the same transaction."""
    model = type(form.instance)
    old = model.objects.filter(pk=form.instance.pk).first() if form.instance.pk else None
    before = push.policy_values(old) if old is not None else None
    linked_before = (old.provider_id, old.reference_id) if old is not None else None
    if old is not None and old.display_name == old.name and form.instance.display_name == old.display_name:
        # A display name never customised follows a rename, as it does when the sync reads one.
        form.instance.display_name = form.instance.name
    item: Product | Plan = form.save()
    if push.needs_push(item, before, linked_before):
        push.schedule(item)
    return item


def _push_product(product_id: int | None) -> None:
    if product_id is None:
        return
    product = Product.objects.filter(pk=product_id).first()
    if product is not None and product.provider_id is not None:
        push.schedule(product)


def save_product_api(form: Any, actor: User) -> ProductAPI:
    """Save a product's API; the product's policy (and the one it left, if moved) follow."""
    previous = ProductAPI.objects.filter(pk=form.instance.pk).values_list("product_id", flat=True).first()
    api: ProductAPI = form.save()
    _push_product(api.product_id)
    if previous is not None and previous != api.product_id:
        _push_product(previous)
    return api


def delete_product_api(api: ProductAPI, actor: User) -> None:
    product_id = api.product_id
    api.delete()
    _push_product(product_id)


def apis_of(product: Product) -> QuerySet[ProductAPI]:
    """A product's APIs for a listing, each knowing whether it has an OpenAPI document
    (`has_document`) without loading the documents, which can be megabytes each."""
    return ProductAPI.objects.filter(product=product).without_documents()


def specs_of(product: Product) -> QuerySet[ProductSpec]:
    """A product's specifications for a listing (without their documents)."""
    return (ProductSpec.objects.filter(product=product).defer("oas_document", "graphql_schema", "asyncapi_document")
            .order_by("pk"))


def docs_of(product: Product) -> QuerySet[ProductDoc]:
    """A product's getting-started documents in their order, for a listing (without their text)."""
    return ProductDoc.objects.filter(product=product).defer("content").order_by("position", "pk")


# -- what a Live Portal user may see ----------------------------------------------------------------
# THE rule, used by the catalogue pages and the developer area (access requests): a catalogue is
# visible to everyone if it is public; a private one only to active members of one of its audiences
# (an audience is a whole organisation, or one team); admins see every catalogue. A product is
# visible if it is published, not hidden by the last sync, and in a catalogue the user can see.

def visible_catalogues(user: Any) -> QuerySet[Catalogue]:
    """The catalogues `user` (a User, an AnonymousUser or None) may browse, as one lazy query."""
    catalogues = Catalogue.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return catalogues.filter(visibility=Catalogue.Visibility.PUBLIC)
    if user.is_admin:
        return catalogues
    audiences = Q(team__isnull=False, team__in=Team.objects.filter(members=user).values("pk"))
    if user.organisation_id is not None:
        audiences |= Q(team__isnull=True, organisation_id=user.organisation_id)
    reached = CatalogueAudience.objects.filter(audiences).values("catalogue_id")
    return catalogues.filter(Q(visibility=Catalogue.Visibility.PUBLIC) | Q(pk__in=reached))


def visible_products(user: Any) -> QuerySet[Product]:
    """The products `user` may see: published, not hidden by sync, in one of visible_catalogues(user)."""
    listed = Catalogue.products.through.objects.filter(catalogue__in=visible_catalogues(user).values("pk"))
    return Product.objects.filter(published=True, hidden_by_sync=False, pk__in=listed.values("product_id"))


# -- what a Live Portal user may request access to --------------------------------------------------
# THE rule of "can this product be requested", used by the request-access page, the product page's
# "Request access" link and access.services.submit_request: a product that is published, not hidden
# by the last sync and not documentation only, in a catalogue (one the user can see, for the Live
# Portal's lists), on one of the plans that catalogue offers: those the last sync did not hide.

def is_requestable(product: Product) -> bool:
    """Whether access to `product` can be asked for at all, by anyone (requestable_products, for
    one product already in hand)."""
    return bool(product.published and not product.hidden_by_sync and not product.documentation_only)


def requestable_products(user: Any, catalogue: Catalogue | None = None) -> QuerySet[Product]:
    """The products `user` may request access to (in `catalogue`, when given), as one lazy query."""
    products = visible_products(user).filter(documentation_only=False)
    return products if catalogue is None else products.filter(catalogues=catalogue)


def offered_plans(catalogue: Catalogue) -> QuerySet[Plan]:
    """The plans access can be requested on through `catalogue`."""
    return catalogue.plans.filter(hidden_by_sync=False)


def plan_offers(catalogue_ids: list[int]) -> QuerySet[Any]:
    """offered_plans() of many catalogues at once: their catalogue-plan links, each with its plan
    (`catalogue_id`, `plan`), in the plans' order, one query for all."""
    return (Catalogue.plans.through.objects.filter(catalogue_id__in=catalogue_ids, plan__hidden_by_sync=False)
            .select_related("plan").order_by("plan__display_name", "plan_id"))
