"""WSGI entry point for any server (`gunicorn wsgi:app`) and for the Celery worker (`celery -A wsgi`)."""

from lms.app import create_app

app = create_app()
celery_app = app.extensions["celery"]
