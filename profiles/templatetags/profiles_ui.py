"""Template tags of the profile pages and the public directory: the error summary, response times in words."""
from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms):
    """Every error of `forms` (forms, or lists of forms) at the top of the page, each linking to its field.

    After a full-page submit the page opens at the top, where errors further down would go unseen; static/js/app.js
    moves the focus to the summary (data-focus-on-load)."""
    items = []
    flat = [form for each in forms for form in (each if isinstance(each, (list, tuple)) else [each])]
    for form in flat:
        if form is None or not form.is_bound:
            continue
        items += [{"href": "", "label": "", "message": error} for error in form.non_field_errors()]
        for field in form:
            items += [{"href": f"#{field.id_for_label}", "label": field.label, "message": error}
                      for error in field.errors]
    return {"items": items}


@register.filter
def response_time(hours) -> str:
    """A partner's median time to answer, in words a customer reads at a glance ("usually answers within a day")."""
    if hours is None:
        return ""
    hours = max(float(hours), 0)
    if hours < 1:
        return _("usually answers within an hour")
    if hours < 24:
        n = int(-(-hours // 1))
        return ngettext("usually answers within %(n)s hour", "usually answers within %(n)s hours", n) % {"n": n}
    if hours <= 24:
        return _("usually answers within a day")
    days = int(-(-hours // 24))
    return ngettext("usually answers within %(n)s day", "usually answers within %(n)s days", days) % {"n": days}
