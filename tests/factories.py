"""factory_boy factories for the domain; build leads in any status directly, bypassing the services."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from leads.models import Customer, Lead, LeadType, Status
from leads.services import leads_search_index
from profiles.models import BusinessProfile, Location, Membership, Organisation, Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")


class BusinessProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessProfile

    organisation = factory.SubFactory(OrganisationFactory)
    description = "Cloud and data consulting."
    keywords = factory.LazyFunction(lambda: ["cloud", "data"])
    company_sizes = factory.LazyFunction(lambda: ["10-49", "50-249"])
    industries = factory.LazyFunction(lambda: ["Retail"])


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    profile = factory.SubFactory(BusinessProfileFactory)
    country = "CZ"
    city = "Praha"
    contact_name = "Alert Contact"
    contact_email = factory.Sequence(lambda n: f"alerts{n}@partner.example")
    contact_phone = "+420 600 000 000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OpsUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"ops{n}")
    is_staff = True
    is_superuser = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.REFERRALS_ADMIN


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.Sequence(lambda n: f"Customer Company {n}")
    contact_name = "Jana Nováková"
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = "+420 777 123 456"
    company_size = "10-49"
    country = "CZ"
    city = "Brno"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    partner = factory.SubFactory(OrganisationFactory)
    lead_type = LeadType.CUSTOMER_INQUIRY
    customer = factory.SubFactory(CustomerFactory)
    need = "We need help moving our servers to the cloud."
    referred_by_email = "seller@vendor.example"
    received_at = factory.LazyFunction(timezone.now)
    status = Status.RECEIVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        lead = super()._create(model_class, *args, **kwargs)
        leads_search_index([lead])  # as the services do, so that searches find it
        return lead


class AcceptedLeadFactory(LeadFactory):
    status = Status.ACCEPTED
    deal_name = "Cloud migration"
    deal_value = "12500.00"
    currency = "EUR"
    estimated_close_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=30)).date())
    decided_at = factory.LazyFunction(timezone.now)
