"""Writes of the banking app; other apps import from here (``tact.banking.services``)."""

from .imports import ImportSummary as ImportSummary
from .imports import lines_match as lines_match
from .imports import statement_import as statement_import
from .layouts import csv_mapping_delete as csv_mapping_delete
from .layouts import csv_mapping_for as csv_mapping_for
from .layouts import csv_mapping_save as csv_mapping_save
from .reconcile import payer_learn as payer_learn
from .reconcile import suggestion_accept as suggestion_accept
from .reconcile import suggestion_reject as suggestion_reject
from .reconcile import suggestions_accept as suggestions_accept
from .reconcile import transaction_book as transaction_book
