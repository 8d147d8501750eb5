"""Seeded, realistic partner profiles and customer needs for the routing evaluation, the bench and seeding.

Partners specialise (a Microsoft house, a security shop, an ERP integrator…), write keywords in English or
Czech, serve a band of company sizes and sit in one to three cities of about twenty countries, most of them in
central Europe. The same seed always gives the same partners.
"""

import random
from dataclasses import dataclass

SPECIALTIES: dict[str, list[str]] = {
    "microsoft": [
        "Microsoft 365",
        "Azure",
        "Power BI",
        "Dynamics 365",
        "SharePoint",
        "Teams",
        "Intune",
        "Copilot",
        "Power Apps",
        "Power Automate",
        "Exchange",
    ],
    "security": [
        "cybersecurity",
        "penetration testing",
        "SIEM",
        "firewall",
        "ISO 27001",
        "NIS2",
        "identity management",
        "kybernetická bezpečnost",
        "GDPR",
        "endpoint protection",
    ],
    "erp": [
        "ERP",
        "SAP",
        "Dynamics 365",
        "účetnictví",
        "mzdy",
        "skladové hospodářství",
        "informační systém",
        "Helios",
        "Money S5",
        "Pohoda",
    ],
    "data": [
        "data warehouse",
        "Power BI",
        "data analytics",
        "machine learning",
        "AI",
        "datová analýza",
        "Snowflake",
        "Databricks",
        "reporting",
        "Tableau",
    ],
    "development": [
        "web development",
        "mobile apps",
        "e-shop",
        "vývoj aplikací",
        "webové stránky",
        "React",
        "Java",
        ".NET",
        "API integration",
        "low-code",
    ],
    "infrastructure": [
        "cloud migration",
        "migrace",
        "AWS",
        "Kubernetes",
        "DevOps",
        "Linux",
        "backup",
        "zálohování",
        "disaster recovery",
        "VMware",
        "správa sítě",
    ],
    "managed": [
        "managed services",
        "helpdesk",
        "outsourcing IT",
        "hardware",
        "licence",
        "VoIP",
        "network",
        "správa sítě",
        "servis počítačů",
        "Microsoft 365",
    ],
    "crm": [
        "CRM",
        "Salesforce",
        "HubSpot",
        "Dynamics 365",
        "marketing automation",
        "customer service",
        "Power Apps",
        "digitalizace",
    ],
}

COUNTRIES: dict[str, tuple[float, list[str]]] = {  # weight, cities
    "CZ": (30, ["Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "Liberec"]),
    "SK": (8, ["Bratislava", "Košice", "Žilina"]),
    "DE": (10, ["Berlin", "München", "Hamburg", "Frankfurt"]),
    "AT": (5, ["Wien", "Graz", "Linz"]),
    "PL": (7, ["Warszawa", "Kraków", "Wrocław"]),
    "HU": (4, ["Budapest", "Debrecen"]),
    "GB": (5, ["London", "Manchester"]),
    "IE": (2, ["Dublin"]),
    "FR": (3, ["Paris", "Lyon"]),
    "NL": (3, ["Amsterdam", "Rotterdam"]),
    "BE": (2, ["Brussels", "Antwerpen"]),
    "ES": (2, ["Madrid", "Barcelona"]),
    "IT": (2, ["Milano", "Roma"]),
    "SE": (2, ["Stockholm"]),
    "DK": (1, ["København"]),
    "NO": (1, ["Oslo"]),
    "FI": (1, ["Helsinki"]),
    "CH": (2, ["Zürich", "Genève"]),
    "PT": (1, ["Lisboa"]),
    "RO": (2, ["București", "Cluj-Napoca"]),
}

SIZES = ["1-9", "10-49", "50-249", "250-999", "1000+"]
NAME_PARTS = (
    [
        "Blue",
        "North",
        "Bright",
        "Nova",
        "Data",
        "Cloud",
        "Prime",
        "Smart",
        "Alfa",
        "Delta",
        "Vector",
        "Quantum",
        "Green",
        "Atlas",
        "Orbit",
        "Pixel",
        "Kvadrant",
        "Sigma",
        "Fénix",
        "Tetra",
    ],
    [
        "Systems",
        "Solutions",
        "Consulting",
        "IT",
        "Digital",
        "Labs",
        "Partners",
        "Networks",
        "Soft",
        "Services",
        "Group",
        "Tech",
    ],
)
NEED_TEMPLATES = [
    "We are looking for a partner for {a}. Our team of about {people} people needs help soon.",
    "Need help with {a} and {b}, ideally with a local team.",
    "Hledáme partnera na {a}, případně i {b}. Jsme firma s {people} zaměstnanci.",
    "Poptáváme {a}. Termín realizace do konce čtvrtletí.",
    "Our company plans {a} next quarter; also interested in {b}.",
    "Chceme řešit {a} a {b} v jednom projektu.",
]


@dataclass
class FakeProfile:
    slug: str
    name: str
    specialty: str
    keywords: list[str]
    excluded_keywords: list[str]
    company_sizes: list[str]
    locations: list[tuple[str, str]]
    accepting_leads: bool = True
    monthly_capacity: int | None = None
    median_response_hours: float | None = None


def _country(rng: random.Random) -> str:
    codes = list(COUNTRIES)
    return rng.choices(codes, weights=[COUNTRIES[code][0] for code in codes])[0]


def fake_profile(rng: random.Random, number: int, *, slug_prefix: str = "partner") -> FakeProfile:
    specialty = rng.choice(list(SPECIALTIES))
    own = SPECIALTIES[specialty]
    keywords = rng.sample(own, rng.randint(3, min(7, len(own))))
    if rng.random() < 0.4:  # many partners add a term or two from a neighbouring specialty
        other = SPECIALTIES[rng.choice(list(SPECIALTIES))]
        keywords += [term for term in rng.sample(other, 2) if term not in keywords]
    outside = [term for terms in SPECIALTIES.values() for term in terms if term not in keywords]
    excluded = rng.sample(outside, rng.choice([0, 0, 1, 2, 3]))
    if rng.random() < 0.2:
        sizes = []
    else:
        start = rng.randrange(len(SIZES))
        sizes = SIZES[start : start + rng.randint(1, 3)]
    home = _country(rng)
    places = [(home, rng.choice(COUNTRIES[home][1]))]
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        country = home if rng.random() < 0.5 else _country(rng)
        place = (country, rng.choice(COUNTRIES[country][1]))
        if place not in places:
            places.append(place)
    name = f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])} {number}"
    return FakeProfile(
        slug=f"{slug_prefix}-{number}",
        name=name,
        specialty=specialty,
        keywords=keywords,
        excluded_keywords=excluded,
        company_sizes=sizes,
        locations=places,
        accepting_leads=rng.random() > 0.05,
        monthly_capacity=rng.choice([5, 10, 20, 40]) if rng.random() < 0.3 else None,
        median_response_hours=None if rng.random() < 0.2 else round(rng.lognormvariate(3.0, 1.0), 1),
    )


def fake_profiles(count: int, *, seed: int = 1, slug_prefix: str = "partner") -> list[FakeProfile]:
    rng = random.Random(seed)
    return [fake_profile(rng, number, slug_prefix=slug_prefix) for number in range(1, count + 1)]


def fake_need(rng: random.Random, terms: list[str]) -> str:
    first, second = terms[0], terms[1] if len(terms) > 1 else rng.choice(["support", "podpora", "consulting"])
    return rng.choice(NEED_TEMPLATES).format(a=first, b=second, people=rng.choice([8, 25, 120, 400, 2000]))


def fake_request_fields(rng: random.Random) -> dict:
    """A customer's lead: need, size, country and city, drawn like the partners' own mix."""
    specialty = SPECIALTIES[rng.choice(list(SPECIALTIES))]
    terms = rng.sample(specialty, rng.choice([1, 2, 2]))
    country = _country(rng)
    return {
        "need": fake_need(rng, terms),
        "company_size": rng.choice(SIZES),
        "country": country,
        "city": rng.choice(COUNTRIES[country][1]),
        "lead_type": rng.choice(["marketing_qualified", "sales_qualified"]),
        "terms": terms,
    }
