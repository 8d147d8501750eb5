"""Template tags of the profile pages and the public directory: the error summary."""

from django import template

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
            items += [
                {"href": f"#{field.id_for_label}", "label": field.label, "message": error} for error in field.errors
            ]
    return {"items": items}
