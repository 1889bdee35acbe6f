#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and DOKJA_TEST_POSTGRES_URL
# pointing at it, so the store suite's PostgreSQL cases run:
#
#   bash scripts/with_postgres.sh ctest --test-dir build -R store
#
# Installs nothing (scripts/setup.sh installs postgresql). The cluster lives in
# a fresh temp dir, listens only on a unix socket inside that dir (no TCP port
# to collide with), trusts local connections, and is stopped and deleted on
# exit, however the command ends. PostgreSQL refuses to run as root, so under
# root (CI) the server runs as the `postgres` user; the command itself runs as
# the caller. Durability settings are off: the data is thrown away anyway.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

pg_bin="${DOKJA_PG_BIN:-}"
if [ -z "$pg_bin" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with_postgres: no initdb under /usr/lib/postgresql/*/bin; run scripts/setup.sh" \
       "(package postgresql) or set DOKJA_PG_BIN" >&2
  exit 5
fi

as_server=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with_postgres: running as root and there is no 'postgres' user to run the server" >&2
    exit 5
  fi
  as_server=(runuser -u postgres --)
fi

# Not $TMPDIR: the server user must be able to reach the dir, and the socket
# path must stay under the kernel's ~107-byte limit.
dir=$(mktemp -d "${DOKJA_PG_TMPDIR:-/tmp}/dokja-pg.XXXXXX")
if [ "${#as_server[@]}" -gt 0 ]; then chown postgres: "$dir"; fi
chmod 700 "$dir"

cleanup() {
  "${as_server[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # until the command starts

"${as_server[@]}" "$pg_bin/initdb" -D "$dir/data" -U dokja --auth=trust --encoding=UTF8 \
  --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 5
}
# Only a unix socket in our own dir; enough connections for ctest -j.
if ! "${as_server[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $dir -c max_connections=400 -c fsync=off \
      -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; then
  echo "with_postgres: the server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 5
fi
chmod 711 "$dir"  # let the caller reach the socket, not list the dir

export DOKJA_TEST_POSTGRES_URL="postgresql:///postgres?host=$dir&user=dokja"
echo "with_postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at $dir"
# In the background so a TERM or INT reaches us at once (a foreground child
# would delay the trap until it exits); we pass it on, then clean up.
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
set +e
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
set -e
exit "$rc"
