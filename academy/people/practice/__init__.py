"""Practice records: a broker logs the technology deals they facilitated; an admin reviews them.

The broker creates a record (a draft, or submitted at once). Submitting freezes it: the fields
and the evidence files (by their SHA-256) are stored as a numbered revision with a hash of both.
A change after submission is a new revision that goes back to review; a rejected record may be
corrected and submitted again (a new revision too). An approval names the revision the reviewer
saw and records its hash, and is refused if the record changed meanwhile. An admin approves
or rejects it with a comment; every change is written to the audit trail inside the same
transaction, and the broker is told of a review by e-mail (a Celery task queued after commit)
and through the ``academy.people.signals.practice_record_reviewed`` signal (sent after commit:
the notifications app and the readiness engine listen to it). Only approved records count toward a level.

Evidence files are PDF, JPEG or PNG, recognised by their first bytes (never by their name or
the browser's word), no larger than ``ACADEMY_PRACTICE_EVIDENCE_MAX_BYTES``.

Why a package of its own: practice records are a subject with their own pages, API, forms and
URLs, reviewed by other people than those who manage accounts. Keeping ``services``,
``selectors``, ``views``, ``api``, ``forms`` and ``urls`` together here lets a reader find all
of it in one folder, while the models stay in ``academy/people/models/`` (Django, the admin and
the migrations look for them there). Other apps never import this package: the people app's
faces (``academy.people.services`` and ``academy.people.selectors``) re-export what they need.
"""
