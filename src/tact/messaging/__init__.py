"""Messaging: templates per stage, language, tone and channel; the tone check; the e-mail,
letter, SMS and phone renderers and their provider adapters.

Other apps import from ``services`` and ``selectors`` only.
"""
