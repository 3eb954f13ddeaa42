# The one image for the API (gunicorn), the RQ worker and the one-shot migration (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    FLASK_APP=wsgi \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (pinned by constraints.txt), so code changes do not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN mkdir gateway services && touch gateway/__init__.py services/__init__.py \
    && pip install -c constraints.txt . \
    && pip uninstall -y siantar-superapp \
    && rm -rf gateway services build *.egg-info

COPY wsgi.py alembic.ini gunicorn.conf.py ./
COPY migrations ./migrations
COPY gateway ./gateway
COPY services ./services
RUN pip install --no-deps -e . \
    && mkdir -p /app/instance /tmp/prometheus \
    && chown -R app:app /app/instance /tmp/prometheus

USER app
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "wsgi:app"]
