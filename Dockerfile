# fieldapp in one container: gunicorn (the web app) and the Huey task consumer side by side
# (scripts/serve.sh), runtime packages only (requirements.lock; the test tools are not in it).
#
#   docker build -t fieldapp .
#   docker run -p 8000:8000 -v fieldapp-instance:/app/instance \
#     -e FIELDAPP_DATABASE_URL=postgresql+psycopg://… -e FIELDAPP_SECRET_KEY=… \
#     -e FIELDAPP_ENV=production -e FIELDAPP_TRUSTED_PROXIES=1 fieldapp
#
# Migrations run at start (`flask db upgrade`); no demo data is ever seeded here.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=fieldapp \
    BIN=/usr/local/bin \
    HOST=0.0.0.0 \
    PORT=8000 \
    FIELDAPP_ENV=production

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY fieldapp ./fieldapp
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY scripts/serve.sh scripts/container-start.sh ./scripts/
COPY wsgi.py gunicorn.conf.py pyproject.toml ./
RUN python -c "from fieldapp.i18n import compile_catalogues; compile_catalogues()" \
    && useradd --system --uid 10001 --home-dir /app fieldapp \
    && mkdir -p instance && chown fieldapp instance

USER fieldapp
EXPOSE 8000
VOLUME ["/app/instance"]
CMD ["bash", "scripts/container-start.sh"]
