# Shared by the timing scripts in benches/ (sourced, not run): whole-process wall times of
# commands, kept per name, and their medians.

declare -A times

# timed NAME COMMAND...: runs COMMAND (its stdout discarded) and appends its wall time in
# seconds, from bash's $EPOCHREALTIME (no extra process around it), to times[NAME].
timed() {
    local name=$1 start end
    shift
    start=$EPOCHREALTIME
    "$@" >/dev/null
    end=$EPOCHREALTIME
    times[$name]="${times[$name]:-} $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')"
}

# median VALUES...: the middle value (the lower of the two middle ones for an even count).
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

# ratio A B: A / B to three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# paired NAME_A NAME_B: the median over rounds of times[NAME_A][k] / times[NAME_B][k], the two
# timed in the same round; steadier than a ratio of medians when the machine's speed drifts
# between rounds (both runs of a round see the same machine).
paired() {
    # shellcheck disable=SC2206 # the lists are meant to split
    local a=(${times[$1]}) b=(${times[$2]}) r=() k
    for k in "${!a[@]}"; do r+=("$(ratio "${a[$k]}" "${b[$k]}")"); done
    median "${r[@]}"
}
