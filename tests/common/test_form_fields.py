"""{% field %} lays out a field as the included template leads/_field.html did: its box, error mark and width."""

import pytest
from django.template import engines
from django.utils import translation

from leads.forms import DealForm

FORMER_INCLUDE = (
    '<div class="field{% if field.errors %} has-error{% endif %}{% if wide %} wide{% endif %}">'
    "{{ field.as_field_group }}</div>\n"
)


@pytest.mark.parametrize("language", ["en", "cs"])
@pytest.mark.parametrize("data", [None, {"deal_name": "<b>x</b>", "deal_value": "-1", "currency": "nope"}])
def test_the_field_tag_writes_what_the_field_template_wrote(language, data):
    engine = engines["django"]
    tag = engine.from_string("{% load form_fields %}{% field field %}{% field field wide=True %}")
    former = engine.from_string(FORMER_INCLUDE)
    with translation.override(language):
        form = DealForm(data)
        for bound in form:
            expected = former.render({"field": bound}) + former.render({"field": bound, "wide": True})
            assert tag.render({"field": bound}) == expected
            assert ("has-error" in expected) == bool(data and bound.errors)
