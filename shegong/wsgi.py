import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings")
application = get_wsgi_application()

from shegong.core.keys import require_production_keys  # noqa: E402

require_production_keys()  # no web server without the secret and the data keys
