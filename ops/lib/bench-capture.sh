# Sourced by ops/bench and ops/bench-pipeline: sets $pcap to the capture to
# measure — the one given ($1), else the benchmark capture built once with
# ../shared/tools/make-bench-pcap into $cache_dir and reused. Needs $root,
# $cache_dir and log().
# --- the capture ----------------------------------------------------------
if [ -n "${1:-}" ]; then
  pcap=$1
  [ -r "$pcap" ] || { log "cannot read $pcap"; exit 1; }
else
  pcap=$cache_dir/bench.pcap
  if [ ! -s "$pcap" ]; then
    maker=$root/../shared/tools/make-bench-pcap
    [ -x "$maker" ] || { log "no $maker: pass a PCAP"; exit 1; }
    mkdir -p "$cache_dir"
    log "building the benchmark capture into $pcap (once; reused afterwards)"
    tmp=$(mktemp "$cache_dir/bench.XXXXXX.pcap")
    trap 'rm -f "$tmp"' EXIT
    "$maker" "$tmp" >&2
    mv "$tmp" "$pcap"
    trap - EXIT
  fi
fi
pcap=$(cd "$(dirname "$pcap")" && pwd)/$(basename "$pcap")

