"""The display filters live in core, so the portal and the workbench load the same ones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template import Context, Template
from django.template.backends.django import get_installed_libraries
from django.utils import translation


def test_the_format_filters_load_from_core_in_any_template():
    with translation.override("de"):
        html = Template("{% load tact_format %}{{ v|money:'EUR' }} {{ d|ldate }}").render(
            Context({"v": Decimal("1190"), "d": date(2025, 12, 31)})
        )
    assert html == "1.190,00\xa0€ 31.12.2025"


def test_tact_format_is_one_library_and_it_is_cores():
    libraries = get_installed_libraries()
    assert libraries["tact_format"] == "tact.core.templatetags.tact_format"


def test_an_item_not_yet_due_reads_due_in_days_not_a_negative_number():
    template = Template(
        "{% load tact_format %}{{ a|days_overdue }}|{{ b|days_overdue }}|{{ c|days_overdue }}|{{ n|days_overdue }}"
    )
    context = Context({"a": 12, "b": -2, "c": -1, "n": None})
    assert template.render(context) == "12|due in 2 days|due in 1 day|—"
    with translation.override("de"):
        assert template.render(context) == "12|fällig in 2 Tagen|fällig in 1 Tag|—"
