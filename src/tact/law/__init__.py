"""Law: statutory interest, fees, waiting periods and notices per country and debtor kind.

Pure rules over amounts, dates and countries. Imports no other tact app but ``tact.core``.
"""
