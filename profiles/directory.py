"""The public partner directory: search by keyword, company size and country; quick responders rank higher."""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404, render
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.countries import CountryChoiceField
from profiles.models import BusinessProfile, CompanySize, Location

PAGE_SIZE = 20
MAX_TERMS = 5


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    size = forms.ChoiceField(
        label=_("Your company size"), required=False, choices=[("", _("Any")), *CompanySize.choices]
    )
    country = CountryChoiceField(label=_("Country"), required=False, blank_label=_("Any country"))


class ContactForm(forms.Form):
    """What a customer tells a partner; the leads app turns it into a `customer_inquiry` lead."""

    company = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    company_size = forms.ChoiceField(label=_("Company size"), required=False, choices=[("", "—"), *CompanySize.choices])
    country = CountryChoiceField(label=_("Country"), required=False)
    need = forms.CharField(label=_("What do you need?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    contact_requested = forms.BooleanField(
        label=_("Contact me directly"),
        required=False,
        help_text=format_lazy(
            _("Tick this if you want the partner to call you; they are asked to do so within {hours} hours."),
            hours=settings.LEADHUB_HOT_HOURS,
        ),
    )
    # A honeypot: hidden from people, so only bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    CUSTOMER_FIELDS = ("company", "contact_name", "email", "phone", "company_size", "country")

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


def _terms(q: str) -> list[str]:
    return [term for term in q.lower().split() if term][:MAX_TERMS]


def directory_search(*, q: str = "", size: str = "", country: str = "") -> QuerySet[BusinessProfile]:
    """Listed profiles matching the filters, best first: keyword matches, then quickest median response."""
    profiles = BusinessProfile.objects.filter(is_listed=True).select_related("organisation")
    if size:
        # JSON containment is not portable to SQLite; the list is stored as JSON text, so match the quoted value.
        profiles = profiles.filter(company_sizes__icontains=f'"{size}"')
    if country:
        profiles = profiles.filter(Exists(Location.objects.filter(profile=OuterRef("pk"), country=country)))
    score = Value(0)
    terms = _terms(q)
    if terms:
        matches = Q()
        for term in terms:
            keyword = Q(keywords__icontains=f'"{term}"')
            text = (
                Q(keywords__icontains=term)
                | Q(organisation__name__icontains=term)
                | Q(description__icontains=term)
                | Q(industries__icontains=term)
            )
            # An exact keyword counts most, a keyword containing the term next, a mention in the text least.
            score = score + Case(
                When(keyword, then=Value(3)), When(text, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
            matches |= text
        profiles = profiles.filter(matches)
    return profiles.annotate(match_score=score).order_by(
        F("match_score").desc(), F("median_response_hours").asc(nulls_last=True), "organisation__name", "pk"
    )


@require_GET
def partner_list(request):
    form = DirectorySearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():  # say what is wrong instead of listing every partner
        profiles = BusinessProfile.objects.none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        profiles = directory_search(
            q=filters.get("q", ""), size=filters.get("size", ""), country=filters.get("country", "")
        )
    page = Paginator(profiles.prefetch_related("locations"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "profiles/directory.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


def partner_profile(slug: str) -> BusinessProfile:
    """A listed partner's profile by organisation slug, or 404."""
    return get_object_or_404(
        BusinessProfile.objects.filter(is_listed=True).select_related("organisation").prefetch_related("locations"),
        organisation__slug=slug,
    )


def render_partner_page(
    request, profile: BusinessProfile, form: ContactForm, *, status: int = 200, rate_limited: bool = False
):
    return render(
        request,
        "profiles/partner_detail.html",
        {"profile": profile, "form": form, "rate_limited": rate_limited},
        status=status,
    )


@require_GET
def partner_detail(request, slug: str):
    return render_partner_page(request, partner_profile(slug), ContactForm())
