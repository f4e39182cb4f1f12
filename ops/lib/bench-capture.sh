# Sourced by ops/bench and ops/bench-pipeline: sets $pcap to the capture to
# measure — the one given ($1); the word `real` for the realistic capture
# ($cache_dir/real.pcap, built once by ops/bench-real-pcap and reused; a file
# named "real" is ./real); else the benchmark capture built once with
# ../shared/tools/make-bench-pcap into $cache_dir and reused. Needs $root,
# $cache_dir and log().
# --- the capture ----------------------------------------------------------
if [ "${1:-}" = real ]; then
  pcap=$cache_dir/real.pcap
  if [ ! -s "$pcap" ]; then
    log "building the realistic capture into $pcap with ops/bench-real-pcap (once; reused afterwards)"
    NETSIFT_BENCH_DIR=$cache_dir "$root/ops/bench-real-pcap" >&2
  fi
  [ -s "$pcap" ] || { log "ops/bench-real-pcap wrote no $pcap"; exit 1; }
elif [ -n "${1:-}" ]; then
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

