"""Settings, read from PORTAL_* environment variables in this one place and injected everywhere."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("development", "production")


class ConfigurationError(Exception):
    """The configuration cannot run; the message says what to fix, in plain words."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from exc


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Portail Candidat <ne-pas-repondre@portail-candidat.invalid>"
    # The wait before the first new attempt at a mail the SMTP server refused or never took;
    # it doubles at each failure, up to 30 minutes.
    mail_retry_seconds: int = 30
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    password_min_length: int = 8
    password_max_length: int = 20
    trusted_proxies: tuple[str, ...] = ()
    mail_brand: str = "Portail Candidat"
    password_hash_memory_kib: int = 19_456
    password_hash_iterations: int = 2
    password_hash_concurrency: int = 2
    debug: bool = False
    resources_dir: Path = PROJECT_ROOT
    # PDFs: the DejaVu fonts of Debian's fonts-dejavu-core (any Unicode name prints), and how
    # many documents may render at once (xhtml2pdf is CPU-bound Python: more threads only wait).
    pdf_font_dir: Path = Path("/usr/share/fonts/truetype/dejavu")
    pdf_concurrency: int = 2
    # How long a write waits for the SQLite lock before the request is answered 503.
    database_busy_timeout_ms: int = 10_000
    # The largest request body accepted (forms; 413 beyond): the wizard's fields hold a few
    # hundred characters at most.
    request_max_body_bytes: int = 65_536
    # Limits per client address on sign-up, forgotten password, new activation link and email
    # change: a token bucket per action and address, shaped against bursts rather than volume.
    # A bucket holds ``rate_limit_burst`` requests and gains one every ``rate_limit_refill_seconds``:
    # 10 at once, then one per 15 s (up to 70 in a quarter of an hour, a whole class signing up
    # from its school one after another), while a flood of 40 in 2 s gets 10 through.
    rate_limit_burst: int = 10
    rate_limit_refill_seconds: int = 15
    # Pièces justificatives: clamd's address ("127.0.0.1:3310" or a unix socket path; empty: no
    # scan), and the largest upload request (each piece has its own smaller limit per file,
    # enforced while the file streams in).
    clamd_address: str = ""
    upload_max_body_bytes: int = 40_000_000
    # Retention (issue 13), applied by `portal purge`; 0 keeps forever. Days without any change
    # after which a candidate account that never registered is erased, and days after a
    # session's end after which its registrations (versions, documents) are erased.
    retention_account_days: int = 0
    retention_closed_session_days: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    # -- derived places -------------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def templates_dir(self) -> Path:
        return self.resources_dir / "templates"

    @property
    def static_dir(self) -> Path:
        return self.resources_dir / "static"

    @property
    def reference_dir(self) -> Path:
        return self.resources_dir / "data" / "reference"

    @property
    def demo_dir(self) -> Path:
        return self.resources_dir / "data" / "demo"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret_key"

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def cookie_secure(self) -> bool:
        return self.is_production or self.base_url.startswith("https://")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        get = env.get
        data_dir = Path(get("PORTAL_DATA_DIR") or cls.data_dir).expanduser().resolve()
        values: dict[str, object] = {
            "env": (get("PORTAL_ENV") or "development").strip().lower(),
            "data_dir": data_dir,
            "database_url": get("PORTAL_DATABASE_URL") or "",
            "secret_key": get("PORTAL_SECRET_KEY") or "",
            "base_url": (get("PORTAL_BASE_URL") or cls.base_url).rstrip("/"),
            "smtp_host": get("PORTAL_SMTP_HOST") or "",
            "smtp_port": _int("PORTAL_SMTP_PORT", get("PORTAL_SMTP_PORT") or "25"),
            "smtp_user": get("PORTAL_SMTP_USER") or "",
            "smtp_password": get("PORTAL_SMTP_PASSWORD") or "",
            "smtp_starttls": _bool(get("PORTAL_SMTP_STARTTLS") or "false"),
            "mail_from": get("PORTAL_MAIL_FROM") or cls.mail_from,
            "session_idle_minutes": _int(
                "PORTAL_SESSION_IDLE_MINUTES", get("PORTAL_SESSION_IDLE_MINUTES") or "30"
            ),
            "session_absolute_hours": _int(
                "PORTAL_SESSION_ABSOLUTE_HOURS", get("PORTAL_SESSION_ABSOLUTE_HOURS") or "12"
            ),
            "password_min_length": _int(
                "PORTAL_PASSWORD_MIN_LENGTH", get("PORTAL_PASSWORD_MIN_LENGTH") or "8"
            ),
            "password_max_length": _int(
                "PORTAL_PASSWORD_MAX_LENGTH", get("PORTAL_PASSWORD_MAX_LENGTH") or "20"
            ),
            "trusted_proxies": tuple(
                p.strip() for p in (get("PORTAL_TRUSTED_PROXIES") or "").split(",") if p.strip()
            ),
            "mail_brand": get("PORTAL_MAIL_BRAND") or cls.mail_brand,
            "password_hash_memory_kib": _int(
                "PORTAL_PASSWORD_HASH_MEMORY_KIB", get("PORTAL_PASSWORD_HASH_MEMORY_KIB") or "19456"
            ),
            "password_hash_iterations": _int(
                "PORTAL_PASSWORD_HASH_ITERATIONS", get("PORTAL_PASSWORD_HASH_ITERATIONS") or "2"
            ),
            "password_hash_concurrency": _int(
                "PORTAL_PASSWORD_HASH_CONCURRENCY", get("PORTAL_PASSWORD_HASH_CONCURRENCY") or "2"
            ),
            "debug": _bool(get("PORTAL_DEBUG") or "false"),
            "pdf_concurrency": _int("PORTAL_PDF_CONCURRENCY", get("PORTAL_PDF_CONCURRENCY") or "2"),
            "database_busy_timeout_ms": _int(
                "PORTAL_DATABASE_BUSY_TIMEOUT_MS",
                get("PORTAL_DATABASE_BUSY_TIMEOUT_MS") or "10000",
            ),
            "request_max_body_bytes": _int(
                "PORTAL_REQUEST_MAX_BODY_BYTES", get("PORTAL_REQUEST_MAX_BODY_BYTES") or "65536"
            ),
            "rate_limit_burst": _int(
                "PORTAL_RATE_LIMIT_BURST", get("PORTAL_RATE_LIMIT_BURST") or "10"
            ),
            "clamd_address": (get("PORTAL_CLAMD_ADDRESS") or "").strip(),
            "upload_max_body_bytes": _int(
                "PORTAL_UPLOAD_MAX_BODY_BYTES", get("PORTAL_UPLOAD_MAX_BODY_BYTES") or "40000000"
            ),
            "rate_limit_refill_seconds": _int(
                "PORTAL_RATE_LIMIT_REFILL_SECONDS", get("PORTAL_RATE_LIMIT_REFILL_SECONDS") or "15"
            ),
            "mail_retry_seconds": _int(
                "PORTAL_MAIL_RETRY_SECONDS", get("PORTAL_MAIL_RETRY_SECONDS") or "30"
            ),
            "retention_account_days": _int(
                "PORTAL_RETENTION_ACCOUNT_DAYS", get("PORTAL_RETENTION_ACCOUNT_DAYS") or "0"
            ),
            "retention_closed_session_days": _int(
                "PORTAL_RETENTION_CLOSED_SESSION_DAYS",
                get("PORTAL_RETENTION_CLOSED_SESSION_DAYS") or "0",
            ),
        }
        if get("PORTAL_PDF_FONT_DIR"):
            values["pdf_font_dir"] = Path(get("PORTAL_PDF_FONT_DIR", "")).resolve()
        if get("PORTAL_RESOURCES_DIR"):
            values["resources_dir"] = Path(get("PORTAL_RESOURCES_DIR", "")).resolve()
        values.update(overrides)
        return cls(**values).resolved()  # type: ignore[arg-type]

    def resolved(self) -> Settings:
        """Fill the defaults that depend on other settings (database file, dev secret key)."""
        updates: dict[str, object] = {}
        if not self.database_url:
            updates["database_url"] = f"sqlite+aiosqlite:///{self.data_dir / 'portal.sqlite3'}"
        if not self.secret_key and not self.is_production:
            updates["secret_key"] = _development_secret(self.data_dir / "secret_key")
        return replace(self, **updates) if updates else self

    def problems(self) -> list[str]:
        """Everything wrong with this configuration, in words an operator can act on."""
        found: list[str] = []
        if self.env not in ENVIRONMENTS:
            found.append(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}.")
        if not self.secret_key:
            found.append("PORTAL_SECRET_KEY is required in production (32 random bytes or more).")
        elif len(self.secret_key) < 32:
            found.append("PORTAL_SECRET_KEY is too short: use at least 32 characters.")
        if self.is_production:
            if self.debug:
                found.append("PORTAL_DEBUG cannot be on in production.")
            if not self.base_url.startswith("https://"):
                found.append(
                    "PORTAL_BASE_URL must start with https:// in production (secure cookies)."
                )
            if not self.smtp_host:
                found.append("PORTAL_SMTP_HOST is required in production (account mails).")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            found.append(
                "PORTAL_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://."
            )
        if not 1 <= self.password_min_length <= self.password_max_length:
            found.append("PORTAL_PASSWORD_MIN_LENGTH must be between 1 and the maximum length.")
        if self.password_hash_memory_kib < 19_456 or self.password_hash_iterations < 2:
            found.append(
                "PORTAL_PASSWORD_HASH_MEMORY_KIB must be at least 19456 and "
                "PORTAL_PASSWORD_HASH_ITERATIONS at least 2 (OWASP minimum for argon2id)."
            )
        if self.password_hash_concurrency < 1:
            found.append("PORTAL_PASSWORD_HASH_CONCURRENCY must be at least 1.")
        if self.database_busy_timeout_ms < 0:
            found.append("PORTAL_DATABASE_BUSY_TIMEOUT_MS must be zero or more.")
        if self.request_max_body_bytes < 1024:
            found.append("PORTAL_REQUEST_MAX_BODY_BYTES must be at least 1024.")
        if self.rate_limit_burst < 1 or self.rate_limit_refill_seconds < 1:
            found.append(
                "PORTAL_RATE_LIMIT_BURST and PORTAL_RATE_LIMIT_REFILL_SECONDS must be at least 1."
            )
        if not 1 <= self.mail_retry_seconds <= 1800:
            found.append("PORTAL_MAIL_RETRY_SECONDS must be between 1 and 1800.")
        if self.session_idle_minutes < 1 or self.session_absolute_hours < 1:
            found.append("Session timeouts must be positive.")
        if self.retention_account_days < 0 or self.retention_closed_session_days < 0:
            found.append(
                "PORTAL_RETENTION_ACCOUNT_DAYS and PORTAL_RETENTION_CLOSED_SESSION_DAYS must be "
                "zero (keep forever) or more."
            )
        if not self.templates_dir.is_dir():
            found.append(f"Templates folder not found: {self.templates_dir}")
        return found

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigurationError("\n".join(problems))


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WILDCARD = {"", "0.0.0.0", "::"}  # noqa: S104 (names, not a bind)


def served_base_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for ``portal serve --host --port``."""
    if host in WILDCARD:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def base_url_mismatch(base_url: str, host: str, port: int) -> str | None:
    """Why mail links built on ``base_url`` would not reach the server at ``host:port``, or None.

    Only a plain http base URL is compared: an https one names a proxy in front of the portal,
    whose own address and port are expected to differ.
    """
    parts = urlsplit(base_url)
    if parts.scheme != "http":
        return None
    base_host = (parts.hostname or "").lower()
    base_port = parts.port or 80
    same_host = (
        host in WILDCARD
        or base_host == host.lower()
        or (base_host in LOOPBACK and host.lower() in LOOPBACK)
    )
    if base_port == port and same_host:
        return None
    return (
        f"PORTAL_BASE_URL ({base_url}) ne correspond pas à l'adresse servie "
        f"({served_base_url(host, port)}) : les liens des mails (activation, mot de passe) "
        f"pointeront vers {base_url}."
    )


def _development_secret(path: Path) -> str:
    """In development the key is generated once and kept in the runtime folder (never tracked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
