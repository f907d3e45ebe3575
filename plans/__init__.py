"""Living development plans, competencies, career paths, 1:1 check-ins and mentor matching (issue 5; not built yet)."""
