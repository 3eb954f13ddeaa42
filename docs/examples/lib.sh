#!/usr/bin/env bash
# Shared by the guide scripts in docs/examples/: one request, its expected status checked, its answer kept.
# Usage in a script:  HERE=$(cd "$(dirname "$0")" && pwd); source "$HERE/lib.sh"   (it cds to $WORK)
#   call 201 POST /api/v1/complaints -H "Authorization: Bearer $TOKEN" --json @complaint.json
#   echo "$BODY" | jq -r .number          # the answer's body; $STATUS its status
# Needs curl and jq. API defaults to a local `make run`.
set -eEuo pipefail
# A failed check names its line, so a guide that drifted says where.
trap 'echo "FAILED at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR

API=${API:-http://127.0.0.1:8000}
WORK=${WORK:-$(mktemp -d -t siantar-guide-XXXXXX)}
cd "$WORK"

# A fresh Idempotency-Key per attempt (a key is spent by its first answer, refusals included).
new_key() { echo "$1-$(date +%s%N)-$RANDOM"; }

# call EXPECTED METHOD PATH [curl args...]: prints the command and the answer, fails unless STATUS matches.
call() {
  local expected=$1 method=$2 path=$3
  shift 3
  echo "\$ curl -X $method $API$path $*" | sed -E 's/(Bearer )[A-Za-z0-9._-]+/\1…/g'
  local out
  rm -f "$WORK/body"  # curl writes no file for an empty body (204, 304)
  out=$(curl -sS -o "$WORK/body" -w '%{http_code}' -X "$method" "$API$path" "$@")
  STATUS=$out
  BODY=$(cat "$WORK/body" 2>/dev/null || true)
  echo "$BODY" | head -c 1500
  echo
  if [ "$STATUS" != "$expected" ]; then
    echo "FAILED: $method $path answered $STATUS, the guide expects $expected" >&2
    exit 1
  fi
}

# field JQ: a value from the last answer (fails when it is missing).
field() { echo "$BODY" | jq -er "$1"; }
