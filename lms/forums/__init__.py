"""Forums: one per course, one per onboarding cohort, and open groups (mentors, topics)."""
