"""Fasthold: the learning and development platform."""
