# A throwaway PostgreSQL cluster for the store tests (source this file, then `pg_start`).
# It listens only on a Unix socket in a temporary directory, trusts local connections,
# and is removed by `pg_stop`. As root (CI) the server runs as the `postgres` system user,
# since initdb and postgres refuse to run as root. Exports ROLODEX_TEST_PG_URL.

pg_bin() {
    local found
    found=$(command -v initdb 2>/dev/null || true)
    if [ -z "$found" ]; then
        found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    if [ -z "$found" ] && [ "$(id -u)" = 0 ]; then
        echo "== installing postgresql (initdb is missing)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
        found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    if [ -z "$found" ]; then
        echo "initdb not found: install PostgreSQL (Debian: apt-get install postgresql)" >&2
        return 1
    fi
    dirname "$(readlink -f "$found")"
}

pg_start() {
    local bin
    bin=$(pg_bin) || return 1
    PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rolodex-pg.XXXXXX")
    local as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PG_TEST_DIR"
        as=(runuser -u postgres --)
    fi
    chmod 700 "$PG_TEST_DIR"
    PG_TEST_AS=("${as[@]}")
    PG_TEST_BIN=$bin
    "${as[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync >"$PG_TEST_DIR/initdb.log" 2>&1 \
        || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
    "${as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
        -o "-k $PG_TEST_DIR -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null \
        || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
    "${as[@]}" "$bin/createdb" -h "$PG_TEST_DIR" -U postgres rolodex_test
    ROLODEX_TEST_PG_URL="postgresql://postgres@$(printf %s "$PG_TEST_DIR" | sed 's,/,%2F,g')/rolodex_test"
    export ROLODEX_TEST_PG_URL
    echo "== PostgreSQL test cluster in $PG_TEST_DIR ($("$bin/postgres" --version))" >&2
}

pg_stop() {
    if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR" ]; then
        "${PG_TEST_AS[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
        rm -rf "$PG_TEST_DIR"
    fi
}
