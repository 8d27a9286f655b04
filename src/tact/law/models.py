"""Reference-rate tables: one row per series and validity period, with its source.

Not tenant data: the law is the same for every creditor, so no creditor FK and no scope.
"""

from django.db import models


class RateStatus(models.TextChoices):
    CONFIRMED = "confirmed", "confirmed"  # read in the source named
    DERIVED = "derived", "derived"  # computed from a confirmed rule and confirmed inputs
    WEAK = "weak", "weak"  # one secondary source, or sources disagree
    UNCONFIRMED = "unconfirmed", "unconfirmed"  # no source read that states it


class ReferenceRate(models.Model):
    series = models.CharField(max_length=40)
    valid_from = models.DateField()
    # Inclusive last day; null while the figure is the latest one known.
    valid_to = models.DateField(null=True, blank=True)
    # Percent a year, e.g. 3.62 for 3.62 %.
    rate = models.DecimalField(max_digits=8, decimal_places=4)
    source = models.TextField()
    status = models.CharField(max_length=12, choices=RateStatus.choices, default=RateStatus.CONFIRMED)
    note = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["series", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["series", "valid_from"], name="law_rate_series_from_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="law_rate_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.valid_from}…{self.valid_to or ''}: {self.rate} %"
