"""config.wsgi with production settings, but static files served from the apps and static/.

The manifest storage of production needs `collectstatic` (about 20 s); the fault tests are
about the database, not about static files, so they run gunicorn on this module instead.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
