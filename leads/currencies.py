"""ISO 4217 codes of the currencies in circulation: the deal currencies LeadHub accepts."""
from django.utils.translation import gettext_lazy as _

CURRENCIES = frozenset(
    {
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
        "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN",
        "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF",
        "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
        "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
        "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
        "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
        "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
        "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN",
        "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
        "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
        "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
        "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
    }
)

# The deal currencies partners use most, first in the list and with their names (the rest follow as codes).
COMMON_CURRENCIES = {
    "CZK": _("Czech koruna"), "EUR": _("Euro"), "USD": _("US dollar"), "GBP": _("British pound"),
    "PLN": _("Polish złoty"), "CHF": _("Swiss franc"), "HUF": _("Hungarian forint"), "SEK": _("Swedish krona"),
    "DKK": _("Danish krone"), "NOK": _("Norwegian krone"), "RON": _("Romanian leu"),
}

# A customer's country → the currency its deals are most likely in; anything else defaults to USD.
EURO_COUNTRIES = ("AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
                  "MT", "NL", "PT", "SI", "SK", "AD", "MC", "SM", "VA", "ME", "XK")
COUNTRY_CURRENCIES = {
    **{country: "EUR" for country in EURO_COUNTRIES},
    "CZ": "CZK", "PL": "PLN", "GB": "GBP", "CH": "CHF", "LI": "CHF", "HU": "HUF", "SE": "SEK", "DK": "DKK",
    "NO": "NOK", "RO": "RON", "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "JP": "JPY", "CN": "CNY",
    "IN": "INR", "BR": "BRL", "MX": "MXN", "ZA": "ZAR", "TR": "TRY", "UA": "UAH", "IL": "ILS", "SG": "SGD",
    "HK": "HKD", "KR": "KRW", "AE": "AED", "IS": "ISK", "RS": "RSD",
}


def currency_for_country(country: str) -> str:
    return COUNTRY_CURRENCIES.get((country or "").upper(), "USD")
