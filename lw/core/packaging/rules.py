"""What a package leaves out by default, written as gitignore lines.

Keeping the defaults in gitignore syntax lets a user re-include any of them with a
``!`` line in ``exclude`` or ``.lwignore`` (they are evaluated first, so later user
rules win). Secrets are a separate list because they are refused unless *included*
explicitly: a negation in an exclude list is too easy to write by accident.
"""

from __future__ import annotations

# Useless at run time: VCS data, virtualenvs, caches, build output, the app's tests and
# lw's own configuration. Anchored entries (leading "/") only apply at the project
# root, so an app package that happens to be called "build" is kept.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    ".gitignore",
    ".gitattributes",
    ".gitmodules",
    "/.github/",
    "/.gitlab-ci.yml",
    "venv/",
    ".venv/",
    "/env/",
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    "/tests/",
    "/test/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "/.lw/",
    "/build/",
    "/dist/",
    "*.egg-info/",
    "node_modules/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".hypothesis/",
    ".coverage",
    ".coverage.*",
    "/htmlcov/",
    ".DS_Store",
    ".idea/",
    ".vscode/",
    "*.swp",
    "/lw.yml",
    "/lw.yaml",
    "/zappa_settings.json",
    "/zappa_settings.yml",
    "/zappa_settings.yaml",
    "/zappa_settings.toml",
    "/.lwignore",
)

# Refused unless listed in ``include``: credentials and keys that must never be
# uploaded to a function package, whatever the app's folder happens to contain.
SECRET_PATTERNS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "*.kdbx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".aws/",
    ".ssh/",
    ".gnupg/",
    ".docker/",
    ".kube/",
    ".azure/",
    ".config/gcloud/",
    ".wskprops",
    ".git-credentials",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".htpasswd",
    ".boto",
    ".s3cfg",
    ".dockercfg",
    "credentials.json",
    "client_secret*.json",
    "service-account*.json",
    "*.tfstate",
    "*.tfstate.*",
    "*.tfvars",
    "secrets.yml",
    "secrets.yaml",
    "secrets.json",
    # Copies and backups of lw's own config hold its credentials (openwhisk.auth, API
    # keys): lw.prod.yml, sub/lw.yml, lw.yml.bak, lw.json~, editor autosaves.
    "lw*.yml*",
    "lw*.yaml*",
    "lw*.json*",
    "\\#lw*#",
    ".#lw*",
)

# Written last into an installed dependency folder: the install finished (a folder
# without it is rebuilt). Never shipped in a package.
DEPENDENCIES_MARKER = ".lw-deps.json"
