"""Exam pages: the broker exam page and results (exams-web), the staff pages (staff_*)."""
