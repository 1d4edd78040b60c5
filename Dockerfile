# Broker Academy: one image for web (gunicorn), the Celery worker and Celery beat.
# See docker-compose.yml for how they run together with PostgreSQL and Redis.
# The browser libraries of package.json (Apache ECharts), from the npm registry.
FROM node:22-bookworm-slim AS npm
WORKDIR /npm
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=academy.settings.prod \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media \
    PORT=8000

# A TrueType CJK font for certificate and transcript PDFs (ReportLab cannot use CFF fonts);
# poppler's pdftoppm draws the certificate design's PNG thumbnail.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei poppler-utils \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 academy
WORKDIR /app

# Dependencies first (a layer that survives code changes): install the project from its
# pyproject.toml with empty packages, then remove the project itself and keep what it needs.
# XStatic-Bootstrap's sdist needs setuptools<81 to build: constraints-build.txt says so.
COPY pyproject.toml constraints-build.txt README.md ./
RUN mkdir -p academy courses exams certificates \
    && touch academy/__init__.py courses/__init__.py exams/__init__.py certificates/__init__.py \
    && pip install --upgrade pip \
    && pip install --build-constraint constraints-build.txt . \
    && pip uninstall -y broker-academy \
    && rm -rf academy courses exams certificates build *.egg-info

COPY --chown=academy:academy . .
COPY --from=npm /npm/node_modules/echarts/dist /app/node_modules/echarts/dist

# Static files with hashed names, compressed; whitenoise serves them from gunicorn.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p /app/var/media /app/var/keys \
    && chown -R academy:academy /app/var /app/staticfiles \
    && chmod 700 /app/var/keys

USER academy
EXPOSE 8000

# docker-compose.yml runs the worker and beat from this image with their own commands.
CMD ["sh", "-c", "python manage.py migrate --no-input && exec gunicorn academy.wsgi:application --bind 0.0.0.0:${PORT} --access-logfile -"]
