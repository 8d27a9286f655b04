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
