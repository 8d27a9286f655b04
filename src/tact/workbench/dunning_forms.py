"""Forms of the dunning pages: they parse and validate input; they change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.dunning.models import ActionStatus, HoldReason, StageChannel, Tone
from tact.dunning.policies import StageSpec
from tact.ledger.models import DebtorKind
from tact.tenancy.models import COUNTRIES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LAW_KIND_CHOICES = [("b2b", _("Business (B2B)")), ("b2c", _("Consumer (B2C)"))]
SEND_CHANNELS = [(v, label) for v, label in StageChannel.choices if v != StageChannel.PREFERRED]
CHANNEL_SLOTS = 4


class PlanFilterForm(forms.Form):
    """The day and filters of today's plan; an invalid field counts as not given."""

    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ActionStatus.choices]
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *SEND_CHANNELS]
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All countries")), *COUNTRIES]
    )
    q = forms.CharField(
        label=_("Debtor"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name or number"), "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("All stages")), *stages]

    def values(self, today: date) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "day": data.get("date") or today,
            "status": data.get("status", ""),
            "stage": data.get("stage", ""),
            "channel": data.get("channel", ""),
            "country": data.get("country", ""),
            "q": data.get("q", "").strip(),
        }


class CycleRunForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    dry_run = forms.BooleanField(required=False)


class ActionChangeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=SEND_CHANNELS)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices)


class ActionSkipForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Why is this step skipped?")}),
        error_messages={"required": _("Say why the action is skipped.")},
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(_("Say why the action is skipped."))
        return note


class BulkApproveForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": _("Choose at least one action to approve.")}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole number is acceptable here; the service looks them up in the creditor's scope.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]


class HoldPlaceForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=HoldReason.choices)
    target = forms.ChoiceField(label=_("On"))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(
        label=_("Until (last day)"),
        required=False,
        widget=DATE,
        help_text=_("Empty: until ended by hand (a recent contact lasts 7 days)."),
    )

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", _("The debtor (all items)")),
            *[(str(pk), _("Item %(number)s") % {"number": number}) for pk, number in items],
        ]
        self.fields["target"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The last day cannot be before the first."))
        return data


class DebtorPolicyForm(forms.Form):
    """A debtor's own policy; blank removes the override. Only the creditor's policies are
    choices, so another creditor's id is an error on the field."""

    policy = forms.ChoiceField(label=_("Policy for this debtor"), required=False)

    def __init__(self, *args: Any, policies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [
            ("", _("No override (assignment or default)")),
            *[(str(pk), name) for pk, name in policies],
        ]


class StageForm(forms.Form):
    """One stage of the policy editor. Channels come as ordered slots (1st choice, 2nd…)."""

    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)
    key = forms.SlugField(label=_("Key"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    offset_days = forms.IntegerField(label=_("Day"))
    min_days_since_contact = forms.IntegerField(label=_("Min. gap"), min_value=0, max_value=365)
    template_key = forms.CharField(label=_("Template"), max_length=60)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices)
    charges_interest = forms.BooleanField(label=_("Charges statutory interest"), required=False)
    charges_fees = forms.BooleanField(label=_("Charges collection costs"), required=False)
    charges_flat_compensation = forms.BooleanField(label=_("Charges flat compensation"), required=False)
    announces_costs = forms.BooleanField(label=_("States the costs that follow"), required=False)
    needs_approval = forms.BooleanField(label=_("A person approves"), required=False)
    is_final_notice = forms.BooleanField(label=_("Final notice"), required=False)
    proposes_handover = forms.BooleanField(label=_("Proposes a handover"), required=False)

    CHARGES = ("charges_interest", "charges_fees", "charges_flat_compensation", "announces_costs")
    FLAGS = ("needs_approval", "is_final_notice", "proposes_handover")
    IDENTITY = ("key", "name", "offset_days", "template_key")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *StageChannel.choices]
        for n in range(CHANNEL_SLOTS):
            self.fields[f"channel_{n}"] = forms.ChoiceField(
                label=_("Choice %(n)s") % {"n": n + 1}, choices=choices, required=False
            )
            self.fields[f"consumer_channel_{n}"] = forms.ChoiceField(
                label=_("Choice %(n)s") % {"n": n + 1}, choices=choices, required=False
            )

    def has_changed(self) -> bool:
        # The blank row for a new stage always sends a tone and unticked boxes; it counts as
        # filled in only once it has a key, a name, an offset or a template.
        if self.initial:
            return super().has_changed()
        return any(self.data.get(self.add_prefix(name), "").strip() for name in self.IDENTITY)

    def channel_fields(self) -> list[forms.BoundField]:
        return [self[f"channel_{n}"] for n in range(CHANNEL_SLOTS)]

    def consumer_channel_fields(self) -> list[forms.BoundField]:
        return [self[f"consumer_channel_{n}"] for n in range(CHANNEL_SLOTS)]

    def charge_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CHARGES]

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FLAGS]

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec = {name: data[name] for name in StageSpec.__dataclass_fields__ if name in data}
        spec["channels"] = [c for n in range(CHANNEL_SLOTS) if (c := data.get(f"channel_{n}"))]
        spec["consumer_channels"] = [
            c for n in range(CHANNEL_SLOTS) if (c := data.get(f"consumer_channel_{n}"))
        ]
        return spec

    @classmethod
    def initial_of(cls, spec: StageSpec, order: int) -> dict[str, Any]:
        initial: dict[str, Any] = {
            k: v for k, v in vars(spec).items() if k not in ("channels", "consumer_channels")
        }
        initial["order"] = order
        for n, channel in enumerate(spec.channels[:CHANNEL_SLOTS]):
            initial[f"channel_{n}"] = channel
        for n, channel in enumerate(spec.consumer_channels[:CHANNEL_SLOTS]):
            initial[f"consumer_channel_{n}"] = channel
        return initial


class BaseStageFormSet(forms.BaseFormSet):
    def ordered_specs(self) -> list[tuple[forms.Form, dict[str, Any]]]:
        """The stages to keep, in the order given (ties keep the page's order)."""
        kept = [f for f in self.forms if f.has_changed() or f.initial]
        kept = [f for f in kept if not (self.can_delete and self._should_delete_form(f))]
        kept = [f for f in kept if f.cleaned_data]
        kept.sort(key=lambda f: 1000 if f.cleaned_data.get("order") is None else f.cleaned_data["order"])
        return [(f, f.spec()) for f in kept]


StageFormSet = forms.formset_factory(StageForm, formset=BaseStageFormSet, extra=1, can_delete=True)


class PolicySettingsForm(forms.Form):
    contract_clause = forms.BooleanField(
        label=_("Our terms provide for damages and interest"),
        required=False,
        help_text=_("Belgian consumers owe costs and interest only then (Book XIX)."),
    )


class PolicyDetailsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ThresholdForm(forms.Form):
    """One currency's minimum overdue amount; the service judges the code and the amount,
    so the form only reads them (and keeps what was typed to show it with the error)."""

    currency = forms.CharField(
        label=_("Currency"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "EUR", "autocomplete": "off", "size": 5}),
    )
    minimum_amount = forms.DecimalField(
        label=_("Minimum amount"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "25.00", "size": 10}),
        error_messages={"invalid": _("Minimum amount: enter an amount such as 25.00.")},
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class PolicyStartForm(forms.Form):
    """A new policy: its name and what it starts from (one reminder, a copy, a preset)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    start = forms.ChoiceField(label=_("Start from"), required=False)

    def __init__(
        self, *args: Any, policies: list[tuple[int, str]], presets: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [
            ("", _("One reminder, to build on")),
            (_("A copy of a policy"), [(f"policy:{pk}", name) for pk, name in policies]),
            (_("A copy of a preset"), [(f"preset:{key}", name) for key, name in presets]),
        ]

    def source(self) -> tuple[int | None, str]:
        """(id of the policy to copy, preset key) as chosen; both empty: one reminder."""
        kind, _sep, value = self.cleaned_data["start"].partition(":")
        return (int(value), "") if kind == "policy" else (None, value)


class AssignmentForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All countries")), *COUNTRIES]
    )
    debtor_kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *DebtorKind.choices]
    )
    segment = forms.CharField(label=_("Segment (tag)"), required=False, max_length=60)


class SimulationForm(forms.Form):
    debtor = forms.CharField(
        label=_("Debtor"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": _("Debtor number"), "list": "sim-debtors", "autocomplete": "off"}
        ),
    )
    on = forms.DateField(label=_("Date"), widget=DATE)
    under = forms.ChoiceField(
        label=_("Policy"),
        choices=[("this", _("This policy")), ("own", _("The debtor's own policy"))],
        initial="this",
    )


class InterestForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    kind = forms.ChoiceField(label=_("Debtor kind"), choices=LAW_KIND_CHOICES)
    principal = forms.DecimalField(
        label=_("Principal (EUR)"), min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    start = forms.DateField(label=_("Due on"), widget=DATE, help_text=_("Interest runs from the day after."))
    end = forms.DateField(label=_("Until"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end is before the due date."))
        return data


class FeesForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    kind = forms.ChoiceField(label=_("Debtor kind"), choices=LAW_KIND_CHOICES)
    principal = forms.DecimalField(
        label=_("Principal (EUR)"), min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
