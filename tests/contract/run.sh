#!/usr/bin/env bash
# The API contract: schemathesis (PyPI) against the real binary on a small demo, every check
# on, once as the district administrator and once as a community secretary. Exits non-zero
# on any failure. Usage: bash tests/contract/run.sh [path/to/jiayuan] [seconds per role]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-target/debug/jiayuan}"
seconds="${2:-75}"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"

venv="${SCHEMATHESIS_VENV:-$HOME/.cache/jiayuan-schemathesis}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.32.5'
fi

JIAYUAN_KEY=0808080808080808080808080808080808080808080808080808080808080808 RUST_LOG=warn \
  "$bin" --db "sqlite://$work/contract.db" serve --demo --scale small --addr "127.0.0.1:$port" \
  >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "$base/healthz" >/dev/null && break; sleep 1; done
curl -sf "$base/healthz" >/dev/null

# A bearer token for a demo account (sign in, then make a token with the session).
token() {
  local jar="$work/jar-$1"
  local csrf
  csrf=$(curl -sf -c "$jar" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"jiayuan-demo\"}" "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
  curl -sf -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"schemathesis","expires":"1d"}' "$base/api/v1/auth/tokens" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# Both tokens first: the administrator's run may well lock, disable or reset the secretary.
declare -A tokens
for user in c1 admin; do tokens[$user]="$(token "$user")"; done
status=0
for user in c1 admin; do
  echo "--- schemathesis as $user ($seconds s)"
  tok="${tokens[$user]}"
  # Revoking the very token the run uses, or signing it out, would end the run's own access:
  # those two operations are covered by the in-process tests instead.
  "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --url "$base" -H "Authorization: Bearer $tok" --checks all --workers 1 --max-time "$seconds" \
    --exclude-path '/api/v1/auth/tokens/{id}' --exclude-path /api/v1/auth/logout \
    --seed 20261201 --no-color || status=1
done
if grep -q "panicked" "$work/serve.log"; then
  echo "the server panicked:"; grep -A3 panicked "$work/serve.log"; status=1
fi
exit $status
