"""In-app notifications and their e-mails (immediate or a daily digest)."""
