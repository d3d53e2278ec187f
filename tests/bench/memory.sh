# Memory of the platform's services, for the benchmarks (sourced; STATE is the platform's state
# folder). The services' memory together is the sum of their proportional set sizes (PSS), which
# counts a page shared by several of them (the C++ runtime, Boost, librdkafka, libpq, OpenSSL)
# once, split among them. Their resident sizes (RSS) would count those libraries once per process.
# shellcheck shell=bash

SIX=(gateway auth agent telephony-webhook billing integrations)

# The pids of the services' processes (every replica), one per line.
service_pids() {
  local s f pid
  for s in "${SIX[@]}"; do
    while read -r f; do read -r pid <"$f" && echo "$pid"; done < <(service_pid_files "$STATE" "$s")
  done
}

# The sum of their PSS in MiB. One awk over every process's smaps_rollup: run_all.sh samples it
# twice a second during the measurements, so it must cost next to nothing.
pss_mib() {
  local files=() pid
  for pid in $(service_pids); do
    [ -r "/proc/$pid/smaps_rollup" ] && files+=("/proc/$pid/smaps_rollup")
  done
  [ ${#files[@]} -gt 0 ] || { echo "0.0"; return; }
  awk '/^Pss:/ { k += $2 } END { printf "%.1f", k / 1024 }' "${files[@]}"
}

per_service() {  # "gateway 8/21, auth ..." : PSS/RSS in MiB per process
  local out="" s f pid v
  for s in "${SIX[@]}"; do
    while read -r f; do
      pid=$(cat "$f")
      v=$(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 } END { printf "%.0f/%.0f", p / 1024, r / 1024 }' \
        "/proc/$pid/smaps_rollup" 2>/dev/null || echo "?")
      out+="$(basename "$f" .pid) $v, "
    done < <(service_pid_files "$STATE" "$s")
  done
  echo "${out%, }"
}
