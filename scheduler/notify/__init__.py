"""Delivering notices: SMTP (STARTTLS, SSL or plain on a trusted host) with a login, .eml files, mailto links.

Owns: turning a notice into an e-mail message, sending it over SMTP and returning the server's reply,
the SMTP settings and the password kept in the system keyring (never QSettings, never the database).
Knows nothing of the database or of Qt.
Must not import: models, scheduler.services, desktop_app, PySide6.
"""
