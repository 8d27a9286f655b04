"""Inbound mail: replies from debtors and delivery reports about our own messages.

The pure parts (``parsing``, ``reports``, ``matching``, ``quotes``, ``intent``) read bytes and
text and touch neither the database nor the network; ``services`` stores, matches and acts,
and ``imap`` polls a mailbox. Other apps import from ``services`` and ``selectors`` only.
"""
