# Sourced by the benchmark scripts: `measure NAME COMMAND...` runs the command with its output
# in "$work/NAME.out" / ".err" (stopping the script with its errors if it fails) and prints its
# wall time and peak RSS. Needs `$work`, a scratch folder.
measure() {
    local name="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
    read -r wall rss <"$work/time"
    printf '%-12s wall %7.2f s   peak RSS %8.1f MB\n' "$name" "$wall" "$(echo "$rss / 1024" | bc -l)"
}
