"""Monthly 1:1 check-ins between a manager and each report."""
