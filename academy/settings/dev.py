"""Local development and the `make run` demo."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
