"""WSGI entry point (gunicorn kanyle.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanyle.settings")
application = get_wsgi_application()
