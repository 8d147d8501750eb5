"""Date formats per language (settings.FORMAT_MODULE_PATH): only what differs from Django's own formats.

Templates name a format (`date:"DATE_FORMAT"`), never a pattern, so each language writes dates its own way:
"14 Dec 2026" in English, "14. prosince 2026" in Czech (Django's Czech DATE_FORMAT, kept as it is).
"""
