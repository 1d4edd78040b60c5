"""The courses app's /api/v1/ endpoints (``views``) and their serializers."""
