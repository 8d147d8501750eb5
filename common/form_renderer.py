"""The form renderer (settings.FORM_RENDERER): Django's own, with its commonest templates written in Python.

A field's group (`as_field_group`) is a template that renders a label template, an error-list template and a
widget template, which include an attributes template, and a <select> one template per option: seven to a dozen
template renders for one field, most of a lead page's CPU. Each writer below produces exactly what its template
does (the same escaping, localisation and whitespace); tests/common/test_form_renderer.py compares them with
Django's templates. A writer is used only while its template's source is the one it was written from (checked
once per process), so a project or app that overrides one of these templates, or a Django release that changes
one, gets the template again.
"""

import html

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.formats import localize
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

INPUT = "django/forms/widgets/input.html"
OPTION = "django/forms/widgets/select_option.html"
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
INPUT_WIDGETS = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)


def out(value) -> str:
    """`{{ value }}` with autoescaping: a date or number localised, then escaped unless it is safe already (as
    conditional_escape does, without its checks for lazy arguments: by here the value is text)."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
        if not isinstance(value, str):
            value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(value)


def formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe; anything else is escaped."""
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (TypeError, ValueError):
        return ""
    return text if isinstance(value, SafeData) else html.escape(text)


def attributes(attrs) -> str:
    """django/forms/attrs.html and django/forms/widgets/attrs.html: ` name="value"`, or ` name` for True."""
    if not attrs:
        return ""
    return "".join(
        f" {out(name)}" if value is True else f' {out(name)}="{formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def field_group(context) -> str:
    """django/forms/field.html: the label (a legend in a fieldset), help text, errors and the widget."""
    field = context["field"]
    text = str(field.label) if isinstance(field.label, Promise) else field.label  # translated once, not four times
    help_text = ""
    if field.help_text:
        helptext_id = f' id="{out(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{helptext_id}>{str(field.help_text)}</div>'
    tail = f"\n{help_text}\n{out(field.errors)}\n{out(field)}"
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{out(described)}"' if described else ""
        legend = out(label_tag(field, text, "legend")) if text else ""
        return f"\n  <fieldset{described}>\n  {legend}\n{tail}</fieldset>\n".strip()
    label = out(label_tag(field, text, "label")) if text else ""
    return f"\n  {label}\n{tail}\n".strip()


def label_tag(field, text: str, tag: str) -> str:
    """field.label_tag() (or legend_tag()) as BoundField.label_tag writes it, given the label's text: its own code
    turns a lazy label into text four times over. A bound field that makes its labels otherwise is asked instead."""
    if type(field).label_tag is not BoundField.label_tag:
        return field.label_tag(tag=tag)
    form, widget = field.form, field.field.widget
    suffix = field.field.label_suffix if field.field.label_suffix is not None else form.label_suffix
    # Only add the suffix if the label does not end in punctuation (Django's own rule and translatable string).
    contents = format_html("{}{}", text, suffix) if suffix and text[-1] not in gettext(":?.!") else text
    attrs = None
    id_ = widget.attrs.get("id") or field.auto_id
    if id_:
        if id_for_label := widget.id_for_label(id_):
            attrs = {"for": id_for_label}
        if field.field.required and hasattr(form, "required_css_class"):
            attrs = attrs or {}
            attrs["class"] = (
                f"{attrs['class']} {form.required_css_class}" if "class" in attrs else form.required_css_class
            )
    context = {"field": field, "label": contents, "attrs": attrs, "use_tag": bool(id_), "tag": tag}
    return form.render(form.template_name_label, context)


def label(context) -> str:
    """django/forms/label.html (a missing variable renders as nothing, as in the template)."""
    text = out(context.get("label", ""))
    if not context.get("use_tag"):
        return text.strip()
    tag = out(context.get("tag", ""))
    return f"<{tag}{attributes(context.get('attrs'))}>{text}</{tag}>"


def error_list(context) -> str:
    """django/forms/errors/list/default.html and ul.html."""
    errors = context.get("errors")
    if not errors:
        return ""
    field_id = f' id="{out(errors.field_id)}_error"' if getattr(errors, "field_id", None) else ""
    items = "".join(f"<li>{out(error)}</li>" for error in errors)
    return f'<ul class="{out(context.get("error_class", ""))}"{field_id}>{items}</ul>'


def input_widget(context) -> str:
    """django/forms/widgets/input.html, which text.html, email.html, date.html and the like include."""
    widget = context["widget"]
    value = widget["value"]
    value = f' value="{formatted(value)}"' if value is not None else ""
    return f'<input type="{out(widget["type"])}" name="{out(widget["name"])}"{value}{attributes(widget["attrs"])}>'


def textarea(context) -> str:
    """django/forms/widgets/textarea.html."""
    widget = context["widget"]
    value = out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{out(widget["name"])}"{attributes(widget["attrs"])}>\n{value}</textarea>'


def select(context) -> str:
    """django/forms/widgets/select.html with select_option.html per option (an include, so nothing stripped)."""
    widget = context["widget"]
    parts = [f'<select name="{out(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{out(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{formatted(option["value"])}"{attributes(option["attrs"])}>'
                f"{out(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _select_options_are_plain(context) -> bool:
    return all(
        option["template_name"] == OPTION
        for _name, choices, _index in context["widget"]["optgroups"]
        for option in choices
    )


# Each template this renderer writes: the source its writer was written from, and the writer.
WRITERS = {
    "django/forms/field.html": (
        "{% if field.use_fieldset %}\n"
        '  <fieldset{% if field.aria_describedby %} aria-describedby="{{ field.aria_describedby }}"{% endif %}>\n'
        "  {% if field.label %}{{ field.legend_tag }}{% endif %}\n"
        "{% else %}\n"
        "  {% if field.label %}{{ field.label_tag }}{% endif %}\n"
        "{% endif %}\n"
        '{% if field.help_text %}<div class="helptext"{% if field.auto_id %} id="{{ field.auto_id }}_helptext"'
        "{% endif %}>{{ field.help_text|safe }}</div>{% endif %}\n"
        "{{ field.errors }}\n"
        "{{ field }}{% if field.use_fieldset %}</fieldset>{% endif %}\n",
        field_group,
    ),
    "django/forms/label.html": (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        "{% else %}{{ label }}{% endif %}\n",
        label,
    ),
    "django/forms/attrs.html": (
        "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}{% if value is not True %}="
        "\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}",
        None,  # included by label.html; checked so that label's writer stays exact
    ),
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}{% if value is not True %}="
        "\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}",
        None,  # included by every widget template below
    ),
    "django/forms/errors/list/default.html": ('{% include "django/forms/errors/list/ul.html" %}', error_list),
    "django/forms/errors/list/ul.html": (
        '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} id="{{ errors.field_id }}_error"'
        "{% endif %}>{% for error in errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}",
        error_list,
    ),
    INPUT: (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n',
        input_widget,
    ),
    **{f"django/forms/widgets/{name}.html": (INCLUDES_INPUT, input_widget) for name in INPUT_WIDGETS},
    "django/forms/widgets/textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n",
        textarea,
    ),
    "django/forms/widgets/select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
        '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
        "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
        "  </optgroup>{% endif %}{% endfor %}\n"
        "</select>\n",
        select,
    ),
    OPTION: (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n',
        None,  # included by select.html
    ),
}
# A writer stays exact only while every template its own template includes is unchanged too.
DEPENDS = {
    "django/forms/label.html": ("django/forms/attrs.html",),
    "django/forms/errors/list/default.html": ("django/forms/errors/list/ul.html",),
    INPUT: ("django/forms/widgets/attrs.html",),
    **{f"django/forms/widgets/{name}.html": (INPUT, "django/forms/widgets/attrs.html") for name in INPUT_WIDGETS},
    "django/forms/widgets/textarea.html": ("django/forms/widgets/attrs.html",),
    "django/forms/widgets/select.html": ("django/forms/widgets/attrs.html", OPTION),
}


class FormRenderer(DjangoTemplates):
    """Django's DjangoTemplates renderer (the same templates, found the same way), writing the templates of WRITERS
    in Python while their sources are unchanged; every other template is rendered as before."""

    @cached_property
    def writers(self) -> dict:
        unchanged = {name for name, (source, _writer) in WRITERS.items() if self._source(name) == source}
        return {
            name: writer
            for name, (_source, writer) in WRITERS.items()
            if writer is not None and name in unchanged and set(DEPENDS.get(name, ())) <= unchanged
        }

    def _source(self, template_name: str) -> str | None:
        try:
            return self.get_template(template_name).template.source
        except TemplateDoesNotExist:
            return None

    def render(self, template_name, context, request=None):
        writer = self.writers.get(template_name)
        if writer is None or (writer is select and not _select_options_are_plain(context)):
            return super().render(template_name, context, request=request)
        return writer(context)
