"""Forms of the developer pages. Templates get them as plain data (live.account.forms.form_data)."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from forecourt.access import redirects
from forecourt.access.models import App
from forecourt.access.visibility import visible_apps
from forecourt.accounts.models import User
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.catalog.services import offered_plans, requestable_products, visible_catalogues

from .data import VISIBILITY_HELP, VISIBILITY_LABELS

MAX_REDIRECT_URLS = 20

if TYPE_CHECKING:  # Django's ModelForm is generic only in its type stubs
    _AppModelForm = forms.ModelForm[App]
else:
    _AppModelForm = forms.ModelForm


def _visibility_help() -> str:
    """Each visibility with what it means, in the active language (the form's help is made once, at import)."""
    return " ".join(f"{VISIBILITY_LABELS[v]}: {text}" for v, text in VISIBILITY_HELP.items())


class AppForm(_AppModelForm):
    """An app's own fields; its owner, organisation and team are set by the view, never posted."""

    class Meta:
        model = App
        fields = ["name", "description", "redirect_urls", "visibility"]
        labels = {"redirect_urls": _("Redirect URLs")}
        help_texts = {"redirect_urls": _("For OAuth 2.0 clients: one URL per line (the first is the one used)."),
                      "visibility": lazy(_visibility_help, str)()}
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "redirect_urls": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.TypedChoiceField)
        visibility.choices = [(v, VISIBILITY_LABELS.get(v, label)) for v, label in App.Visibility.choices]
        self.fields["description"].required = False
        self.fields["redirect_urls"].required = False

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("Give the app a name."))
        return name

    def clean_redirect_urls(self) -> str:
        lines = [line.strip() for line in (self.cleaned_data.get("redirect_urls") or "").splitlines() if line.strip()]
        if len(lines) > MAX_REDIRECT_URLS:
            raise forms.ValidationError(_("At most %(count)s redirect URLs.") % {"count": MAX_REDIRECT_URLS})
        urls = [redirects.completed(line) for line in lines]  # "shop.example.com/cb" means https://
        for url in urls:
            problem = redirects.problem(url)
            if problem:
                raise forms.ValidationError(problem)
        return "\n".join(urls)


NOT_FOUND = ("invalid_choice", "invalid_pk_value", "invalid_list")  # the error codes of an id the user may not use
CHOOSE_APP = _("Choose the app that will use the credential.")
CHOOSE_PRODUCTS = _("Choose at least one product.")
CHOOSE_PLAN = _("Choose a plan.")


class RequestAccessForm(forms.Form):
    """The request-access page's parameters, from its query string (GET: what to show chosen) or
    its POST (what to request): `product` (a slug, from a product's "Request access"), `catalogue`,
    `app`, `products` and `plan` (IDs).

    Each is looked up among what `user` may use: a requestable product, a visible catalogue (by
    default the first, by name, offering `product`, or any requestable product), one of the user's
    own apps (by default their only one), the catalogue's requestable products and offered plans
    (catalog.services). An ID or slug outside those is `not_found()`, which the page answers with a
    404, never a form error, so IDs reveal nothing. When `submitting`, the app, at least one product
    and the plan are required.
    """

    product = forms.ModelChoiceField(Product.objects.none(), to_field_name="slug", required=False)
    catalogue = forms.ModelChoiceField(Catalogue.objects.none(), required=False)
    app = forms.ModelChoiceField(App.objects.none(), required=False)
    products = forms.ModelMultipleChoiceField(Product.objects.none(), required=False)
    plan = forms.ModelChoiceField(Plan.objects.none(), required=False)

    def __init__(self, user: User, data: Mapping[str, Any], *, submitting: bool) -> None:
        super().__init__(data)
        self.user = user
        self.submitting = submitting
        self._choices("product").queryset = requestable_products(user)
        self._choices("catalogue").queryset = visible_catalogues(user)
        self._own_apps = visible_apps(user).filter(owner=user).order_by("name", "pk")
        self._choices("app").queryset = self._own_apps
        self._own_app_list: list[App] | None = None
        self.offering: QuerySet[Catalogue] = Catalogue.objects.none()
        self.requestable: list[Product] = []
        self.plans: list[Plan] = []

    def _choices(self, name: str) -> "forms.ModelChoiceField[Any]":
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def own_apps(self) -> list[App]:
        """The apps the user may request access for: their own (read once)."""
        if self._own_app_list is None:
            self._own_app_list = list(self._own_apps)
        return self._own_app_list

    def not_found(self) -> bool:
        """Whether an ID or slug names something the user may not use (or nothing at all)."""
        return any(error.code in NOT_FOUND for errors in self.errors.as_data().values() for error in errors)

    def clean_catalogue(self) -> Catalogue | None:
        product: Product | None = self.cleaned_data.get("product")
        catalogues = visible_catalogues(self.user)
        offering = catalogues.filter(products=product) if product else catalogues.filter(
            products__in=requestable_products(self.user))
        self.offering = offering.distinct().order_by("name", "pk")
        catalogue: Catalogue | None = self.cleaned_data.get("catalogue") or self.offering.first()
        if catalogue is not None:
            products = requestable_products(self.user, catalogue).order_by("display_name", "pk")
            plans = offered_plans(catalogue).order_by("display_name", "pk")
            self._choices("products").queryset = products
            self._choices("plan").queryset = plans
            self.requestable, self.plans = list(products), list(plans)
        return catalogue

    def clean_app(self) -> App | None:
        app: App | None = self.cleaned_data.get("app")
        if app is None and not self.data.get("app"):
            apps = self.own_apps()
            app = apps[0] if len(apps) == 1 else None
        if app is None and self.submitting:
            raise forms.ValidationError(CHOOSE_APP, code="required")
        return app

    def clean_products(self) -> list[Product]:
        chosen = {p.pk for p in self.cleaned_data.get("products") or []}
        if not chosen and self.submitting:
            raise forms.ValidationError(CHOOSE_PRODUCTS, code="required")
        return [p for p in self.requestable if p.pk in chosen]

    def clean_plan(self) -> Plan | None:
        plan: Plan | None = self.cleaned_data.get("plan")
        if plan is None and self.submitting:
            raise forms.ValidationError(CHOOSE_PLAN, code="required")
        return plan

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.submitting and data.get("catalogue", True) is None:
            raise forms.ValidationError(_("No catalogue offers what you chose."), code="invalid_choice")
        return data
