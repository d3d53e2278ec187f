# Shared by up.sh, down.sh and test.sh: build the project and run the local platform
# (PostgreSQL, the dev broker, the provider sandbox, every service) in a state folder.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
SERVICES=(auth agent telephony-webhook billing integrations)

log() { printf '[kametrix] %s\n' "$*" >&2; }

# ccache keys on paths relative to the checkout, so a fresh clone elsewhere (CI) reuses what an
# earlier build of the same sources compiled; with debug info it would also hash the build
# folder's absolute path unless told not to (the debug info then names the first clone's folder).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
# Two trees (ASan and the final one) with debug info outgrow ccache's default 5 GB: at that size
# it evicted one tree while building the other, and a warm CI run compiled everything again.
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-15G}"

build() {
  local targets=("$@")
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$BUILD" --target "${targets[@]}"
  else
    cmake --build "$BUILD"
  fi
}

runtime_targets() {
  echo kx-dev-broker kx-sandbox kx-gateway
  for s in "${SERVICES[@]}"; do echo "kx-$s"; done
}

# load_config OFFSET: dev.env, with every port moved by OFFSET (the test platform uses 10000).
load_config() {
  local offset=$1
  set -a
  # shellcheck source=/dev/null
  . "$ROOT/infra/dev/dev.env"
  set +a
  for var in PG_PORT GATEWAY_PORT GATEWAY_ADMIN_PORT AUTH_PORT AGENT_PORT TELEPHONY_WEBHOOK_PORT \
             BILLING_PORT INTEGRATIONS_PORT SANDBOX_PORT MAIL_PORT; do
    export "$var=$(( ${!var} + offset ))"
  done
  # integrations submits owners' e-mail to the local SMTP server (infra/dev/mailserver.py).
  export SMTP_HOST=127.0.0.1 SMTP_PORT="$MAIL_PORT" SMTP_TLS=none
  export PUBLIC_ORIGIN="http://127.0.0.1:$GATEWAY_PORT"
  export ALLOWED_ORIGINS="http://127.0.0.1:$GATEWAY_PORT,http://localhost:$GATEWAY_PORT"
  # Where everything is, for every process: the services, the public gateway (the sandbox posts
  # provider webhooks there) and the sandbox's stand-ins for the providers.
  # A service's URL lists all its replicas (KX_SCALE); its callers spread requests over them.
  export GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
  local s
  for s in "${SERVICES[@]}"; do
    export "$(url_var "$s")=$(replica_urls "$s")"
  done
  export SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
  # The dashboard links the sandbox's view of every mail the local SMTP server received.
  export DEV_MAIL_URL="$SANDBOX_URL/mail"
  export STRIPE_API_BASE="$SANDBOX_URL/stripe" VAPI_API_BASE="$SANDBOX_URL/vapi"
  export LLM_BASE_URL="$SANDBOX_URL/llm/v1" ELEVENLABS_API_BASE="$SANDBOX_URL/elevenlabs"
  # Vapi posts our assistants' and numbers' server messages to the gateway; locally the
  # sandbox's call simulator stands in for a browser test call.
  export VAPI_SERVER_URL="$GATEWAY_URL/webhooks/vapi"
  export VAPI_SIMULATOR_URL="$SANDBOX_URL/vapi/simulate/call"
  # Google under the sandbox's /google/ with Google's own paths; the browser is sent to the
  # consent page, the services call the rest, and the consent page returns to the gateway.
  export GOOGLE_AUTH_URL="$SANDBOX_URL/google/o/oauth2/v2/auth"
  export GOOGLE_TOKEN_URL="$SANDBOX_URL/google/token" GOOGLE_REVOKE_URL="$SANDBOX_URL/google/revoke"
  export GOOGLE_USERINFO_URL="$SANDBOX_URL/google/oauth2/v3/userinfo"
  export GOOGLE_CALENDAR_API_BASE="$SANDBOX_URL/google/calendar/v3"
  export GOOGLE_SHEETS_API_BASE="$SANDBOX_URL/google/v4"
  export GOOGLE_DRIVE_API_BASE="$SANDBOX_URL/google/drive/v3"
  export GOOGLE_REDIRECT_URI="$PUBLIC_ORIGIN/api/integrations/google/callback"
}

port_var() { local s=${1//-/_}; echo "${s^^}_PORT"; }
url_var() { local s=${1//-/_}; echo "${s^^}_URL"; }

# Replicas: KX_SCALE="billing=3,telephony-webhook=2" (infra/up.sh --scale sets it). Replica i
# (from 1) of a service whose port is P listens on P + 100*(i-1); a service started once keeps
# its plain name (pids/billing.pid, logs/billing.log), replicas are billing-1 ... billing-N.
scale_of() {
  local name=$1 entry n=1 entries=()
  IFS=, read -ra entries <<< "${KX_SCALE:-}"
  for entry in "${entries[@]}"; do
    [ "${entry%%=*}" = "$name" ] && n=${entry#*=}
  done
  echo "$n"
}

# check_scale: every entry names a service and a count from 1 to 9 (the port scheme's room).
check_scale() {
  local entry name n entries=()
  IFS=, read -ra entries <<< "${KX_SCALE:-}"
  for entry in "${entries[@]}"; do
    name=${entry%%=*} n=${entry#*=}
    case " gateway ${SERVICES[*]} " in
      *" $name "*) ;;
      *) log "--scale: unknown service '$name' (one of: gateway ${SERVICES[*]})"; return 1 ;;
    esac
    if ! [[ $n =~ ^[1-9]$ ]] || [ "$entry" = "$name" ]; then
      log "--scale: '$entry' needs a count from 1 to 9, e.g. $name=2"; return 1
    fi
  done
}

# replicas NAME: the process names of a service's replicas, one per line.
replicas() {
  local name=$1 n i
  n=$(scale_of "$name")
  if [ "$n" -eq 1 ]; then echo "$name"; return; fi
  for ((i = 1; i <= n; i++)); do echo "$name-$i"; done
}

# replica_port NAME PROCESS: the port of one replica (PROCESS as printed by replicas).
replica_port() {
  local name=$1 process=$2 pv i=1
  pv=$(port_var "$name")
  [ "$process" != "$name" ] && i=${process##*-}
  echo $(( ${!pv} + 100 * (i - 1) ))
}

replica_urls() {
  local name=$1 process urls=()
  for process in $(replicas "$name"); do
    urls+=("http://127.0.0.1:$(replica_port "$name" "$process")")
  done
  local IFS=,
  echo "${urls[*]}"
}

# service_pid_files STATE NAME: the pid files of a service's running processes, one per line
# (whatever scale they were started with).
service_pid_files() {
  local state=$1 name=$2 f
  for f in "$state/pids/$name.pid" "$state/pids/$name"-[0-9].pid; do
    [ -f "$f" ] && echo "$f"
  done
  return 0
}
# db_url NAME [STATE]: the service's DATABASE_URL; through the platform's Unix socket when STATE
# has one (infra/postgres/pg.sh), else over TCP.
db_url() {
  local s=${1//-/_} pw_var="DB_PASSWORD_${1//-/_}" state=${2:-}
  pw_var=${pw_var^^}
  if [ -n "$state" ] && [ -s "$state/postgres.socket" ]; then
    echo "postgresql://kx_$s:${!pw_var}@/kametrix?host=$(cat "$state/postgres.socket")&port=$PG_PORT"
  else
    echo "postgresql://kx_$s:${!pw_var}@127.0.0.1:$PG_PORT/kametrix"
  fi
}

# start_process STATE NAME COMMAND...: runs in the background, logs to STATE/logs/NAME.log. The
# services write their JSON lines to that file themselves (LOG_FILE) and rotate it by size
# (LOG_FILE_MAX_MB, LOG_FILE_KEEP); what they print before that (a bad setting) lands there too.
start_process() {
  local state=$1 name=$2; shift 2
  mkdir -p "$state/logs" "$state/pids"
  setsid "$@" >>"$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/pids/$name.pid"
  # Not a job of this shell: a process stopped by a test is not reported after the test output.
  disown $!
}

# start_mail_server STATE: the SMTP server on MAIL_PORT, keeping every message in STATE/mail for
# the sandbox's mail view (SANDBOX_MAIL_DIR) and the tests (tests/blackbox/kxplatform.py starts
# it the same way after stopping it).
start_mail_server() {
  local state=$1
  rm -f "$state/mail.ready"
  start_process "$state" mail /usr/bin/python3 "$ROOT/infra/dev/mailserver.py" \
    --host 127.0.0.1 --port "$MAIL_PORT" --dir "$state/mail" --ready-file "$state/mail.ready"
  local pid deadline=$((SECONDS + 30))
  pid=$(cat "$state/pids/mail.pid")
  until [ -e "$state/mail.ready" ]; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
      log "mail server did not start on port $MAIL_PORT; last log lines:"
      tail -n 20 "$state/logs/mail.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
}

wait_ready() {
  local name=$1 url=$2 state=$3 deadline=$((SECONDS + 90))
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    if [ $SECONDS -gt $deadline ]; then
      log "$name did not become ready; last log lines:"
      tail -n 20 "$state/logs/$name.log" >&2 || true
      return 1
    fi
    if [ -f "$state/pids/$name.pid" ] && ! kill -0 "$(cat "$state/pids/$name.pid")" 2>/dev/null; then
      log "$name exited; last log lines:"
      tail -n 20 "$state/logs/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

# start_platform STATE: everything up, each part ready before the next starts.
start_platform() {
  local state=$1
  mkdir -p "$state"
  "$ROOT/infra/postgres/pg.sh" up "$state" "$PG_PORT"
  "$ROOT/infra/postgres/pg.sh" roles "$state"

  rm -f "$state/kafka.bootstrap"
  start_process "$state" broker "$BUILD/infra/dev-broker/kx-dev-broker" \
    --schemas "$ROOT/proto-schemas/events" --bootstrap-file "$state/kafka.bootstrap"
  local deadline=$((SECONDS + 30))
  until [ -s "$state/kafka.bootstrap" ]; do
    [ $SECONDS -gt $deadline ] && { log "dev broker did not start"; tail -n 20 "$state/logs/broker.log" >&2; return 1; }
    sleep 0.1
  done
  export KAFKA_BOOTSTRAP
  KAFKA_BOOTSTRAP=$(cat "$state/kafka.bootstrap")

  start_mail_server "$state"
  SERVICE_PORT=$SANDBOX_PORT SANDBOX_MAIL_DIR="$state/mail" \
    start_process "$state" sandbox "$BUILD/infra/sandbox/kx-sandbox"
  wait_ready sandbox "http://127.0.0.1:$SANDBOX_PORT/healthz" "$state"
  start_services "$state"
}

# start_services STATE [NAME...]: the services (default: all and the gateway) with their
# replicas, started at once and waited for until every one is ready.
start_services() {
  local state=$1; shift
  local names=("$@") name process port
  [ ${#names[@]} -gt 0 ] || names=("${SERVICES[@]}" gateway)
  # The dev broker listens on new ports after a restart: always its current address.
  if [ -s "$state/kafka.bootstrap" ]; then
    KAFKA_BOOTSTRAP=$(cat "$state/kafka.bootstrap")
    export KAFKA_BOOTSTRAP
  fi
  for name in "${names[@]}"; do
    for process in $(replicas "$name"); do
      port=$(replica_port "$name" "$process")
      if [ "$name" = gateway ]; then
        SERVICE_PORT=$port ADMIN_PORT=$((GATEWAY_ADMIN_PORT + port - GATEWAY_PORT)) \
        WEB_ROOT="$ROOT/web" OPENAPI_FILE="$ROOT/docs/openapi.yaml" \
        LOG_FILE="$state/logs/$process.log" \
          start_process "$state" "$process" "$BUILD/services/gateway/kx-gateway"
      else
        SERVICE_PORT=$port DATABASE_URL=$(db_url "$name" "$state") LOG_FILE="$state/logs/$process.log" \
          start_process "$state" "$process" "$BUILD/services/$name/kx-$name"
      fi
    done
  done
  for name in "${names[@]}"; do
    for process in $(replicas "$name"); do
      port=$(replica_port "$name" "$process")
      wait_ready "$process" "http://127.0.0.1:$port/readyz" "$state"
    done
  done
}

# stop_services STATE [NAME...]: SIGTERM (they drain), SIGKILL after 20 s; default: the gateway
# and all services.
stop_services() {
  local state=$1; shift
  local names=("$@") name f pid n files=()
  [ ${#names[@]} -gt 0 ] || names=(gateway "${SERVICES[@]}")
  for name in "${names[@]}"; do
    while read -r f; do files+=("$f"); done < <(service_pid_files "$state" "$name")
  done
  for f in "${files[@]}"; do kill -TERM "$(cat "$f")" 2>/dev/null || true; done
  for f in "${files[@]}"; do
    pid=$(cat "$f") n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

# start_test_platform STATE: a test platform with a clean database in STATE, and the KX_TEST_*
# variables the black-box tests read (infra/test.sh, tests/faults/run.sh). KX_TEST_PORT_OFFSET
# moves its ports (default 10000 above dev.env's), so two checkouts on one machine can run their
# tests at the same time. It runs billing and telephony-webhook as replicas, so every black-box
# test also shows that nothing depends on one replica's memory (KX_TEST_SCALE overrides, "" for
# none).
start_test_platform() {
  local state=$1 admin_uri
  export KX_SCALE=${KX_TEST_SCALE-billing=3,telephony-webhook=2}
  check_scale
  load_config "${KX_TEST_PORT_OFFSET:-10000}"
  stop_platform "$state" >/dev/null 2>&1 || true
  if [ -e "$state/pg" ]; then rm -rf "$(readlink -f "$state/pg")"; fi
  rm -rf "$state"
  start_platform "$state"
  admin_uri=$(cat "$state/postgres.uri")
  export KX_TEST_PG_URI="${admin_uri%/postgres}/kametrix"
  export KX_TEST_KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP
  export KX_TEST_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
  export KX_TEST_STATE_DIR=$state
  export KX_TEST_ROOT=$ROOT
}

# stop_platform STATE: services first (they drain), then broker and database.
stop_platform() {
  local state=$1
  [ -d "$state/pids" ] || { "$ROOT/infra/postgres/pg.sh" down "$state"; return 0; }
  stop_services "$state"
  # The mail server after the services, so the mails they send while draining still arrive.
  local name f pid n
  for name in sandbox mail broker; do
    f="$state/pids/$name.pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f") n=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  "$ROOT/infra/postgres/pg.sh" down "$state"
}
