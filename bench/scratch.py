"""A scratch PostgreSQL database beside a given one, created when missing, so benchmarks never
write to the project's own:

    .venv/bin/python -m bench.scratch postgres://portal:portal@127.0.0.1:5432/portal bench
    # prints postgres://portal:portal@127.0.0.1:5432/portal_bench
"""

import sys


def scratch_database(url, suffix):
    """`<database>_<suffix>` beside the given one, created if it does not exist (the role
    needs CREATEDB)."""
    import psycopg

    base, _, query = url.partition("?")
    server, _, name = base.rpartition("/")
    scratch = f"{name}_{suffix}"
    with psycopg.connect(base, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [scratch]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{scratch}"')
    return f"{server}/{scratch}" + (f"?{query}" if query else "")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(scratch_database(sys.argv[1], sys.argv[2]))
