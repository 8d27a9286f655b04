"""The template engine creditors' texts run in.

A Django template engine with no loaders (no ``include``/``extends`` of files), no
``load`` (no other tag libraries), no ``debug`` (it would print the context), no ``safe``
(a text cannot inject HTML), and only the tags and filters listed below. Templates see a
plain dictionary of strings, numbers, booleans, lists and dicts that
``tact.messaging.rendering`` builds; no model instance ever reaches them, so no attribute
chain can lead from a template to the database. A variable the context does not have
renders as a marker that the renderer turns into an error naming it.
"""

from __future__ import annotations

from django.template import Engine, Library, defaultfilters, defaulttags

register = Library()

TAGS = (
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
FILTERS = (
    "add",
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "divisibleby",
    "escape",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "linebreaksbr",
    "lower",
    "pluralize",
    "slice",
    "striptags",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "urlencode",
    "wordwrap",
    "yesno",
)
for _name in TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]

MISSING = "\ue000missing:%s\ue001"
MISSING_PREFIX = "\ue000missing:"


class SandboxEngine(Engine):
    # Engine adds Django's default tag libraries to every engine; this one gets ours only.
    default_builtins: list[str] = []


# Bodies render as text (autoescape off); the HTML part is built by escaping that text.
TEXT_ENGINE = SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["tact.messaging.sandbox"],
    autoescape=False,
    string_if_invalid=MISSING,
    debug=False,
)
