"""{% field %}: one form field in its box (label, help text, errors and input), as every form of the app lays it out;
{% form_part %}: a form's fields from a template, rendered once per process while nothing is typed in them."""

from django import template
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def field(bound_field, wide=False):
    """The field's group (common.form_renderer) in <div class="field">, marked `has-error` when it has errors and
    `wide` to span the form grid's row. A tag rather than an included template: the include cost a third as much
    again as the field itself, and a lead page shows fifteen."""
    errors = " has-error" if bound_field.errors else ""
    return format_html(
        '<div class="field{}{}">{}</div>\n', errors, " wide" if wide else "", bound_field.as_field_group()
    )


@register.simple_tag(takes_context=True)
def form_part(context, template_name: str, form, *vary):
    """`template_name` rendered with `form` as `form`. Before anything is typed (an unbound form) that markup is the
    same for every form of its class in one language with the same `vary` (the accept form's initial currency, say),
    so it is rendered once per process (CACHES["fragments"]); a submitted form, with what was typed and its errors,
    every time."""
    part = context.template.engine.get_template(template_name)

    def render():
        with context.push(form=form):
            return part.render(context)

    if form.is_bound:
        return render()
    fragments = caches["fragments"]
    form_class = type(form)
    key = make_template_fragment_key(
        f"form-part:{template_name}", [form_class.__module__, form_class.__qualname__, get_language(), *vary]
    )
    markup = fragments.get(key)
    if markup is None:
        markup = render()
        fragments.set(key, markup, None)
    return markup
