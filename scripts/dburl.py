"""DATABASE_URL as shell variables for backup.sh and restore.sh: DB_KIND, DB_NAME, DB_PATH (SQLite),
DB_URI without the password, and DB_PASSWORD (kept out of the URI, so it is never printed).

Usage: eval "$(python scripts/dburl.py REPO_ROOT)"
"""

import os
import shlex
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

url = os.environ.get("DATABASE_URL", "")


def out(**values):
    print("\n".join(f"DB_{key.upper()}={shlex.quote(str(value))}" for key, value in values.items()))


if not url:
    path = os.path.join(sys.argv[1], "db.sqlite3")
    out(kind="sqlite", path=path, name=os.path.basename(path), uri="", password="")
elif url.startswith("sqlite:"):
    path = unquote(urlsplit(url).path[1:]) if url != "sqlite://:memory:" else ""
    if not path or path == ":memory:":
        sys.exit(
            "DATABASE_URL names an in-memory SQLite database: "
            "there is nothing to back up or restore"
        )
    path = os.path.abspath(path)
    out(kind="sqlite", path=path, name=os.path.basename(path), uri="", password="")
else:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        sys.exit("DATABASE_URL is not a valid URL")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported: use postgres://... or sqlite:///path"
        )
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}@{host}" if parts.username else host
    uri = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    name = unquote(parts.path[1:])
    if not name:
        sys.exit("DATABASE_URL names no database (postgres://user:password@host:port/NAME)")
    out(kind="postgresql", path="", name=name, uri=uri, password=unquote(parts.password or ""))
