"""Django settings, derived entirely from Forecourt's configuration (see forecourt.configuration).

Operators never edit this file: they set PORTAL_* variables or portal.conf. SECRET_KEY stays
empty unless PORTAL_SESSION_KEY is set; otherwise each process loads the instance secret from
the database once the schema is ready (forecourt.ops.secret), so replicas and restarts share it.
"""

from pathlib import Path

from forecourt import configuration
from forecourt.i18n import languages as i18n_languages
from forecourt.ops import security_headers
from forecourt.pagecache import backends as cache_backends

CONFIG = configuration.get()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(CONFIG.data_dir).expanduser().absolute()

SECRET_KEY = CONFIG.session_key
DEBUG = False
ALLOWED_HOSTS = ["*"]  # a portal is reached by whatever name its operators give it
# Links in e-mails start with this when set (forecourt.notify.links), not with the request's Host.
PUBLIC_URL = CONFIG.public_url
WEBHOOKS_ALLOW_PRIVATE_TARGETS = CONFIG.webhooks_allow_private_targets
PROVIDERS_ALLOW_PRIVATE_TARGETS = CONFIG.providers_allow_private_targets
DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS = CONFIG.document_import_allow_private_targets
TRUSTED_PROXIES = CONFIG.trusted_proxies
# The operator says browsers reach the portal over HTTPS: TLS served here, or an https PublicURL
# (a proxy in front ends TLS). Then cookies are Secure and HSTS is sent, whatever Session.Secure says.
HTTPS_ONLY = CONFIG.tls_config_enable or PUBLIC_URL.startswith("https://")
HSTS_HEADER = security_headers.hsts_value(CONFIG.hsts_max_age, CONFIG.hsts_preload) if HTTPS_ONLY else ""

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's assets itself: no CDN
    "csp",  # Content-Security-Policy (forecourt.ops.security_headers)
    "forecourt.ops",
    "forecourt.accounts",
    "forecourt.jobs",
    "forecourt.portalconfig",
    "forecourt.notify",
    "forecourt.webhooks",
    "forecourt.audit",
    "forecourt.providers",
    "forecourt.catalog",
    "forecourt.access",
    "forecourt.blog",
    "forecourt.sitesearch",
    "forecourt.usage",
    "forecourt.oauth",
    "forecourt.sso",
    "forecourt.themes",
    "forecourt.content",
    "forecourt.live",
    "forecourt.adminportal",
    "forecourt.api",
    "forecourt.pagecache",
]

MIDDLEWARE = [
    "forecourt.ops.forwarded_proto.ForwardedProtoMiddleware",  # first: all below see the scheme a trusted proxy saw
    "forecourt.ops.security_headers.StrictTransportSecurityMiddleware",
    "forecourt.ops.middleware.HealthMiddleware",
    # Anonymous pages from the cache, as early as is safe: after the scheme is known and inside HSTS; the
    # headers of the middleware below (the CSP, with a fresh nonce per hit...) are stored with each page.
    "forecourt.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "forecourt.ops.middleware.StartupGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "forecourt.ops.unstorable.RefuseUnstorableText",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forecourt.accounts.middleware.IdleTimeoutMiddleware",
    # The request's language and time zone: after authentication (a user's saved preference decides
    # first) and the idle time-out (a session it ends is a visitor's). The page cache above keys its
    # pages on the same negotiation (forecourt.i18n.negotiation), so a hit is in the visitor's language.
    "forecourt.i18n.middleware.LanguageMiddleware",
    "forecourt.ops.storage_errors.StorageErrorMiddleware",  # a full disk or read-only database: 503, not 500
    "forecourt.api.compat.IgnoredFieldsMiddleware",
    "forecourt.api.errors.RouteErrorsMiddleware",  # /portal-api 404 and 405 in the API's envelope
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.FILES for PUT and PATCH too (Django fills it for POST only): Tyk's GraphQL schema upload is a
    # multipart PUT (forecourt.api.routers.graphql_schemas). JSON bodies are left alone.
    "ninja.compatibility.files.fix_request_files_middleware",
]

ROOT_URLCONF = "forecourt.urls"
WSGI_APPLICATION = "forecourt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forecourt.adminportal.context.portal",
            ],
        },
    },
]

# PORTAL_CACHE_URL: empty, a cache in each process; redis://..., one that every worker and replica shares.
CACHES = cache_backends.caches(CONFIG.cache_url)

DATABASES = {"default": CONFIG.database}
_lifetime_ms = CONFIG.database_connection_max_lifetime
DATABASES["default"]["CONN_MAX_AGE"] = None if _lifetime_ms == 0 else _lifetime_ms // 1000
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if CONFIG.database_dialect == "mysql":
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif CONFIG.database_dialect == "sqlite3":
    # A file, as in production (WAL, real locking between threads), not a shared in-memory database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-portal.db")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# New passwords get Argon2id at OWASP's parameters (accounts/hashers.py: why). The rest are Django's default
# hashers, kept so that every stored hash still verifies; each is rehashed with the first at its next sign-in.
PASSWORD_HASHERS = [
    "forecourt.accounts.hashers.OwaspArgon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "forecourt.portalconfig.validators.PortalPasswordPolicy"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "adminportal:login"

SESSION_COOKIE_NAME = CONFIG.session_name
SESSION_COOKIE_SECURE = CONFIG.session_secure or HTTPS_ONLY
SESSION_COOKIE_HTTPONLY = CONFIG.session_http_only
SESSION_COOKIE_SAMESITE = CONFIG.session_same_site
SESSION_COOKIE_AGE = CONFIG.session_life_time
SESSION_IDLE_TIMEOUT = CONFIG.session_idle_timeout
CSRF_COOKIE_SECURE = CONFIG.session_secure or HTTPS_ONLY
# The browser's Origin is PublicURL's, whatever scheme the request seems to have here: behind a proxy that
# ends TLS and is not in TrustedProxies a form posted from https://PublicURL arrives as plain HTTP, and
# Django's Origin check would refuse every POST (sign-in included) with 403.
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL.rstrip("/")] if PUBLIC_URL else []
CSRF_COOKIE_SAMESITE = CONFIG.session_same_site
CSRF_COOKIE_NAME = "portal-csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Not SECURE_PROXY_SSL_HEADER: it would believe X-Forwarded-Proto from anyone (ops.forwarded_proto).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": security_headers.BASE_POLICY}

# Form fields and request bodies (not file uploads): room for an OpenAPI document of up to 5 MB pasted in
# the product API form, or carried back by its text area when the form is saved again, or sent as the
# Admin API's raw body (forecourt.catalog.documents.MAX_BYTES), and for the form's other fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MAX_UPLOAD_SIZE = CONFIG.max_upload_size

LANGUAGE_CODE = i18n_languages.DEFAULT
LANGUAGES = i18n_languages.django_languages()
TIME_ZONE = "UTC"
USE_I18N = True
# The portal's own catalogues (scripts/messages.py, docs/translating.md): one for the whole package, since
# one string is often shared by several apps' templates and code. Listed here rather than found as an app's
# locale/ folder (forecourt itself is no app), and first: Django's own catalogues and its apps' come after,
# so where the portal translates a text Django also has, the portal's words win.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

STATIC_URL = "/static/"
STATIC_ROOT = None  # nothing is collected: WhiteNoise serves the packaged files directly
WHITENOISE_USE_FINDERS = True  # serve straight from the package; no collectstatic step to forget
WHITENOISE_AUTOREFRESH = False

# Logging is configured by forecourt.logconfig from the CLI and the WSGI entry point.
LOGGING_CONFIG = None
