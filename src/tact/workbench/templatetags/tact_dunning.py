"""``{% holds_panel debtor rows=o.open_rows %}`` / ``{% holds_panel debtor item %}``: the holds of a debtor
(or of one item and its debtor) with the form to place one, on the debtor and item pages;
``{% policy_panel debtor %}``: the debtor's dunning policy and its override.

The panel's own views answer its forms (``dunning_views.hold_place``/``hold_end``), so the
pages that show it need no change beyond the tag.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("workbench/dunning/_holds.html", takes_context=True)
def holds_panel(context, debtor, item=None, rows=None) -> dict[str, Any]:
    from tact.workbench.dunning_views import holds_panel_context

    request = context["request"]
    # ``rows``: the page's open-item rows (``row.item``), so the panel reads no items itself.
    items = None if rows is None else [getattr(row, "item", row) for row in rows]
    return {
        **holds_panel_context(request, debtor=debtor, item=item, items=items),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("workbench/dunning/_policy_panel.html", takes_context=True)
def policy_panel(context, debtor) -> dict[str, Any]:
    """``{% policy_panel debtor %}``: the policy the cycle applies to the debtor, and why."""
    from tact.workbench.dunning_views import policy_panel_context

    return {
        **policy_panel_context(context["request"], debtor=debtor),
        "csrf_token": context.get("csrf_token"),
    }
