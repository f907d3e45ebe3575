"""Courses: authoring, catalogue, enrolment, progress and quizzes."""
