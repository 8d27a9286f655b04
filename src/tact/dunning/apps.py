from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "tact.dunning"
    label = "dunning"
    verbose_name = "Dunning"

    def ready(self) -> None:
        # Banking may not import dunning: it calls what dunning registers (banking/hooks.py).
        from tact.banking import hooks

        from .paid import holds_end_for_paid

        if holds_end_for_paid not in hooks.ITEMS_PAID:
            hooks.on_items_paid(holds_end_for_paid)
