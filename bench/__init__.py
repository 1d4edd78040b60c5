"""Benchmarks (not timed tests): ``make bench`` runs ``bench/exam_save.py``."""
