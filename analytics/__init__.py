"""Retention analytics for HR (issue 7; not built yet)."""
