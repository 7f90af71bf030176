# Helpers shared by scripts/demo.sh and deploy/demo-controller.sh (sourced, not run).
#
# Ports (issue 10): every server of the demo listens on port 0 unless its *_PORT variable names
# one, so the kernel picks a free port; the demo reads the address the server reports and renders
# it into the model and the config. A port named by a variable that is taken stops the demo at
# once, naming the port and the variable (the server cannot bind it and exits).

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# check_port VAR: the value of $VAR, if set, is a port number.
check_port() {
  local var=$1 value=${!1:-0}
  [[ $value =~ ^[0-9]+$ ]] && ((value < 65536)) || { echo "demo: $var=$value is not a port number" >&2; exit 1; }
}

# await_url OUT PID LOG VAR WHAT [FILE]: waits (60 s at most) until the server PID has written
# its address (http://127.0.0.1:PORT) to LOG (or, with FILE, to FILE), and stores it in the
# variable named OUT. If the server exits first, stops the demo: the port in $VAR is taken (or
# the server failed: its log is shown).
await_url() {
  local out=$1 pid=$2 log=$3 var=$4 what=$5 file=${6:-$3} url=''
  for _ in $(seq 300); do
    url=$(grep -ohE 'http://127\.0\.0\.1:[0-9]+' "$file" 2>/dev/null | head -1 || true)
    [ -n "$url" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      if [ "${!var:-0}" != 0 ] && grep -qiE 'EADDRINUSE|address already in use|cannot (be )?bind|taken' "$log"; then
        echo "demo: port ${!var} ($var) is taken: $what cannot listen there. Free it, or unset $var to let the demo pick a free port." >&2
      else
        echo "demo: $what exited before listening; its log ($log):" >&2
      fi
      sed 's/^/  /' "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  [ -n "$url" ] || { echo "demo: $what did not report its address within 60 s; its log ($log):" >&2; sed 's/^/  /' "$log" >&2; exit 1; }
  printf -v "$out" '%s' "$url"
}
