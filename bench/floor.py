"""The framework floor as gunicorn serves it: ``bench.floor:application`` with
``bench.floor_settings`` (no middleware, no authentication, no sessions); the view is in
``bench.floor_urls``.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.floor_settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
