"""The vocabulary of seed_bulk's realistic data: companies, people, places, needs, and how statuses are spread."""

from django.utils.text import slugify

COMPANY_WORDS = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Proseware",
    "Adatum",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Datum",
    "Fourth Coffee",
    "Humongous",
    "Lamna",
    "Margie's",
    "Nod",
    "Relecloud",
    "Southridge",
    "Trey",
    "Wingtip",
    "Woodgrove",
    "Zava",
    "Baltic",
    "Vltava",
]
COMPANY_SUFFIXES = ["s.r.o.", "a.s.", "GmbH", "Ltd", "Inc.", "Group", "Holding", "Labs", "Studio", "Logistics"]
FIRST_NAMES = [
    "Jana",
    "Petr",
    "Eva",
    "Tomáš",
    "Lucie",
    "Martin",
    "Anna",
    "Jakub",
    "Laura",
    "Max",
    "Sam",
    "Ken",
    "Olga",
    "Pavel",
    "Tereza",
    "David",
    "Sofia",
    "Lukas",
    "Emma",
    "Noah",
]
LAST_NAMES = [
    "Nováková",
    "Dvořák",
    "Svobodová",
    "Horák",
    "Schmidt",
    "Müller",
    "Lee",
    "Ito",
    "Baker",
    "Černá",
    "Procházka",
    "Kučera",
    "Novak",
    "Weber",
    "Smith",
    "Garcia",
    "Rossi",
    "Kowalski",
]
# E-mail addresses are ASCII: a person's at their company's own domain, as business inquiries come in.
EMAIL_NAME = {name: slugify(name).replace("-", "") for name in [*FIRST_NAMES, *LAST_NAMES, *COMPANY_WORDS]}
PLACES = [
    ("CZ", "Praha"),
    ("CZ", "Brno"),
    ("CZ", "Ostrava"),
    ("CZ", "Plzeň"),
    ("SK", "Bratislava"),
    ("DE", "Berlin"),
    ("DE", "Hamburg"),
    ("AT", "Wien"),
    ("PL", "Kraków"),
    ("US", "Seattle"),
    ("US", "Austin"),
    ("GB", "London"),
]
SIZES = ["1-9", "10-49", "50-249", "250-999", "1000+"]
NEEDS = [
    "Move {n} on-premise servers to the cloud before the lease ends.",
    "Microsoft 365 for {n} people, including e-mail migration from another provider.",
    "Power BI dashboards for sales across {n} countries.",
    "A data warehouse and forecasting for {n} stores.",
    "Managed backup and security monitoring for {n} laptops.",
    "Help choosing a CRM and migrating {n} years of customer data.",
    "Teams telephony for {n} seats in two offices.",
    "An ERP upgrade for {n} users, with training for the finance team.",
]
DEAL_NAMES = [
    "Cloud migration",
    "Microsoft 365 roll-out",
    "Analytics platform",
    "Managed services",
    "Security assessment",
    "CRM implementation",
    "ERP upgrade",
    "Teams telephony",
]
CURRENCIES = ["USD", "EUR", "CZK", "GBP"]
DECLINE_REASONS = [
    "not_a_fit",
    "insufficient_information",
    "customer_unreachable",
    "no_budget",
    "timeline_too_short",
    "duplicate_or_spam",
    "other",
]
LOST_REASONS = ["no_response", "chose_another_vendor", "timeline_too_short", "no_budget", "other"]
# Marketplace (customer inquiries) and the two qualified types, as the vendor sends them.
LEAD_TYPES = (["customer_inquiry"] * 40) + (["marketing_qualified"] * 35) + (["sales_qualified"] * 25)
# Status mix by age: a lead still inside its 14 answer days, and one past them.
FRESH_STATUSES = (["received"] * 55) + (["accepted"] * 25) + (["declined"] * 12) + (["won"] * 5) + (["lost"] * 3)
OLD_STATUSES = (["expired"] * 30) + (["declined"] * 20) + (["accepted"] * 15) + (["won"] * 20) + (["lost"] * 15)
FAVORITE_RATE = 0.003
