"""Text the database can store: PostgreSQL takes neither a null character nor a lone (unpaired) surrogate.

A JSON body may spell either (`"\\u0000"`, `"\\ud800"`); form and query data cannot carry a surrogate (Django
decodes them with replacement), but every cleaner refuses both anyway, so no path depends on how text arrived.
"""

from django.utils.translation import gettext_lazy as _

NULL_CHARACTER_MESSAGE = _("Null characters are not allowed.")
SURROGATE_MESSAGE = _("This text contains an unpaired surrogate character, which is not valid Unicode.")


def has_lone_surrogate(text: str) -> bool:
    """True when `text` cannot be encoded as UTF-8: it holds a code point in U+D800–U+DFFF."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable_reason(text: str):
    """Why the database could not store `text` (a message naming the problem), or None when it can."""
    if "\x00" in text:
        return NULL_CHARACTER_MESSAGE
    if has_lone_surrogate(text):
        return SURROGATE_MESSAGE
    return None
