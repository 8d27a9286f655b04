"""``{{ current_role|may:"manage_settings" }}``: what the member's role allows, for links and buttons.

The views check the same permission again; a hidden link is a courtesy, not the guard.
"""

from __future__ import annotations

from django import template

from tact.tenancy.models import may as role_may

register = template.Library()


@register.filter
def may(role: str | None, action: str) -> bool:
    return bool(role) and role_may(role, action)
