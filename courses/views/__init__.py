"""Course pages, split by audience: learner, transcript, authoring, cohorts and sessions."""
