"""A <select> whose options are written once, as text, and only marked selected per render: Django's widget
templates render one template per option, which for the long lists (250 countries, ~160 currencies) was the
costliest part of every page that shows one."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


def options_html(choices) -> str:
    """<option>s of (value, label) pairs, none selected."""
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices)


class WrittenSelect(forms.Select):
    """Subclasses give `options_html()`, cached by them (per language, say); a render marks the selected values.
    The name comes first, as Django's own template writes it."""

    def options_html(self) -> str:
        raise NotImplementedError

    def render(self, name, value, attrs=None, renderer=None):
        options = self.options_html()
        for selected in {escape(item) for item in self.format_value(value)}:
            options = options.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), mark_safe(options)
        )
