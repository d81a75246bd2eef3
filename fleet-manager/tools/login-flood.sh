#!/usr/bin/env bash
# Measures a legitimate operator's sign-in time (and one API read) while 16 parallel anonymous clients send wrong
# passwords, against a real fleet-manager process. Usage: login-flood.sh <folder holding the built vsa-fleet> [seconds]
# The flood comes from 127.0.0.1, the operator from 127.0.0.2 (another client address on the loopback).
set -euo pipefail
bin=${1:?folder holding vsa-fleet}; seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)/Vsa.Edge.FleetManager
data=$(mktemp -d /tmp/vsa-flood-XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(port); mqtt=$(port); tls=$(port)
for who in root:admin bob:operator; do
  printf 'correct horse battery staple\n' | "$bin/vsa-fleet" accounts create --role "${who#*:}" --name "${who%%:*}" --display-name x \
    --designation-ref x --designation-date 2025-01-01 --training-date 2025-01-01 --password-stdin --Fleet:Storage:DataDirectory "$data" >/dev/null
done
"$bin/vsa-fleet" --contentRoot "$root" --urls "http://127.0.0.1:$http" --Fleet:Broker:Port "$mqtt" --Fleet:Broker:TlsPort "$tls" \
  --Fleet:Storage:DataDirectory "$data" --Logging:LogLevel:Default Warning >"$data/fleet.log" 2>&1 &
fleet=$!
trap 'kill $fleet 2>/dev/null; wait $fleet 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$http/health" >/dev/null; do sleep 0.2; done
url="http://127.0.0.1:$http/api/auth/login"
operator() { # prints "login_seconds read_seconds"
  local jar; jar=$(mktemp); local t1 t2
  t1=$(curl -s --interface 127.0.0.2 -c "$jar" -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
    -d '{"name":"bob","password":"correct horse battery staple"}' "$url")
  t2=$(curl -s --interface 127.0.0.2 -b "$jar" -o /dev/null -w '%{time_total}' "http://127.0.0.1:$http/api/alerts")
  rm -f "$jar"; echo "$t1 $t2"
}
echo "quiet:  $(operator)"
# One load-generator process (16 threads, keep-alive connections): spawning a curl per attempt would itself eat the cores.
python3 - "$http" "$seconds" >"$data/codes" <<'PY' &
import http.client, json, sys, threading, time, collections
port, seconds = int(sys.argv[1]), float(sys.argv[2]); end = time.time() + seconds; counts = collections.Counter(); lock = threading.Lock()
def attack(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60); n = 0
    while time.time() < end:
        n += 1
        c.request("POST", "/api/auth/login", json.dumps({"name": "root", "password": f"guess {i} {n}"}), {"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        with lock: counts[r.status] += 1
threads = [threading.Thread(target=attack, args=(i,)) for i in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
print(" ".join(f"{n}x{s}" for s, n in sorted(counts.items())))
PY
flood=$!
sleep 3
for n in 1 2 3 4 5; do echo "flood:  $(operator)"; sleep 1; done
wait $flood
echo "flood answers: $(cat "$data/codes")"
