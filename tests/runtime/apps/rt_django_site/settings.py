"""Settings of the tiny Django project the runtime tests deploy."""

SECRET_KEY = "lw-runtime-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "rt_django_site.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rt_django_site"]
MIDDLEWARE: list[str] = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
LOGGING_CONFIG = None
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
