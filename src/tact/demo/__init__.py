"""The demo portfolio: a realistic, deterministic creditor with debtors, items and payments."""
