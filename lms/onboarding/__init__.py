"""Onboarding: track templates, plans from pre-boarding to day 90, buddies, cohorts and check-ins."""
