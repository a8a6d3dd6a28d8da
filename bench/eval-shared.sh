#!/usr/bin/env bash
# Runs the retrieval evaluation on the shared public datasets (../shared/eval, read-only, outside the repo):
# Integreat/OMoS-QA (CC BY 4.0), XQuAD (CC BY-SA 4.0), municipal statutes from ragsource-content (CC BY 4.0).
# Credit these sources in any published figures.
#
#   bash bench/eval-shared.sh            from the repo root
#   SHARED_EVAL_DIR=/path/to/eval ...    other location of the shared eval folder
#   FORCE=1 ...                          rebuild the corpora and question sets even if present
#
# Writes corpora and question sets to .tmp/eval/<dataset>/, results to .tmp/eval/results/<set>.json (+ .log),
# then prints one markdown table. Exits non-zero if the data is missing or any evaluation failed.
set -uo pipefail

# An override is taken relative to the caller's directory; the default relative to the repo root.
if [ -n "${SHARED_EVAL_DIR:-}" ] && [ -d "$SHARED_EVAL_DIR" ]; then SHARED_EVAL_DIR="$(cd "$SHARED_EVAL_DIR" && pwd)"; fi
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
SHARED_EVAL_DIR="${SHARED_EVAL_DIR:-../shared/eval}"
if [ ! -d "$SHARED_EVAL_DIR" ]; then
  echo "eval-shared: shared evaluation data not found at '$SHARED_EVAL_DIR' (expected ../shared/eval next to the repo," >&2
  echo "eval-shared: i.e. /work/shared/eval; set SHARED_EVAL_DIR to its location)." >&2
  exit 1
fi
for sub in integreat xquad satzungen; do
  if [ ! -d "$SHARED_EVAL_DIR/$sub" ]; then echo "eval-shared: '$SHARED_EVAL_DIR/$sub' is missing." >&2; exit 1; fi
done
export SHARED_EVAL_DIR

OUT=.tmp/eval
RESULTS="$OUT/results"
mkdir -p "$RESULTS"

# Adapter name and the question sets it writes (the adapter writes them last, so their presence means done).
declare -A ADAPTER_SETS=(
  [integreat]="integreat-de integreat-test-de integreat-test-ar integreat-test-uk"
  [xquad]="xquad-de xquad-tr xquad-ar xquad-en xquad-ru"
  [satzungen]="satzungen"
)
for adapter in integreat xquad satzungen; do
  complete=1
  for set in ${ADAPTER_SETS[$adapter]}; do [ -s "$OUT/$adapter/$set.jsonl" ] || complete=0; done
  [ -d "$OUT/$adapter/corpus" ] || complete=0
  if [ "$complete" = 1 ] && [ -z "${FORCE:-}" ]; then
    echo "eval-shared: $OUT/$adapter already there (FORCE=1 rebuilds it)"
  else
    npx tsx "bench/adapters/$adapter.ts" "$OUT" || { echo "eval-shared: adapter $adapter failed" >&2; exit 1; }
  fi
done

# set:corpus[:towns], in table order. ":towns" runs `npm run eval -- --towns`: one index for both Integreat
# regions, each question asked in its own region (as towns that share an installation run it); its result is
# named <set>-towns. Without it, every question searches the pages of both regions.
RUNS=(
  integreat-de:integreat:towns integreat-de:integreat
  integreat-test-ar:integreat:towns integreat-test-ar:integreat
  integreat-test-uk:integreat:towns integreat-test-uk:integreat
  xquad-de:xquad xquad-tr:xquad xquad-ar:xquad
  satzungen:satzungen
)
failed=()
sets=()
for run in "${RUNS[@]}"; do
  IFS=: read -r set corpus mode <<<"$run"
  flags=()
  name="$set"
  if [ "$mode" = towns ]; then flags=(--towns); name="$set-towns"; fi
  sets+=("$name")
  rm -f "$RESULTS/$name.json"
  echo "== $name (corpus $corpus)"
  if ! npm run --silent eval -- --corpus "$OUT/$corpus/corpus" --questions "$OUT/$corpus/$set.jsonl" "${flags[@]}" --out "$RESULTS/$name.json" 2>&1 | tee "$RESULTS/$name.log"; then
    failed+=("$name")
    echo "eval-shared: evaluation of $name failed, see $RESULTS/$name.log" >&2
  fi
done

echo
npx tsx bench/summarise-results.ts "$RESULTS" "${sets[@]}"
table=$?
echo
# The town-named statute check reads the Satzungen results just written.
npx tsx bench/town-named.ts "$OUT" || table=1
if [ ${#failed[@]} -gt 0 ]; then
  echo "eval-shared: failed: ${failed[*]}" >&2
  exit 1
fi
exit $table
