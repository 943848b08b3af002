# One image for every role: web (gunicorn), worker and beat (Celery).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=factcheck.settings.production \
    FACTCHECK_VAR_DIR=/srv/var

WORKDIR /srv/app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
RUN useradd --system --home /srv factcheck \
    && mkdir -p /srv/var \
    && python scripts/catalogs compile \
    && DJANGO_SECRET_KEY=collectstatic-only-not-used-at-run-time \
       python manage.py collectstatic --noinput \
    && chown -R factcheck /srv/var
USER factcheck

EXPOSE 8000
CMD ["gunicorn", "factcheck.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
