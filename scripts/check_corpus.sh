#!/usr/bin/env bash
# Validates every payload under corpus/payloads/<target>/{valid,invalid}/ with the CLI, prints
# the verdicts, and fails when a payload's verdict is not the one its folder promises.
# Usage: scripts/check_corpus.sh CLI [CORPUS_DIR]
set -uo pipefail

cli="$1"
corpus="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/corpus}"
mismatches=0

for target in update-request customer error request; do
  for expect in valid invalid; do
    dir="$corpus/payloads/$target/$expect"
    [ -d "$dir" ] || continue
    mapfile -t files < <(find "$dir" -type f \( -name '*.json' -o -name '*.jsonl' \) | LC_ALL=C sort)
    [ "${#files[@]}" -gt 0 ] || continue
    echo "== $target: payloads that must be $expect"
    "$cli" validate "$target" "${files[@]}"
    rc=$?
    if [ "$expect" = valid ] && [ "$rc" -ne 0 ]; then
      echo "MISMATCH: a payload under $dir is not valid (exit $rc)"
      mismatches=$((mismatches + 1))
    elif [ "$expect" = invalid ]; then
      # Every document, not just one, must be invalid.
      passed=$("$cli" validate --format json "$target" "${files[@]}" | grep -c '"valid":true')
      if [ "$rc" -ne 1 ] || [ "$passed" -ne 0 ]; then
        echo "MISMATCH: $passed payload(s) under $dir passed (exit $rc)"
        mismatches=$((mismatches + 1))
      fi
    fi
    echo
  done
done

if [ "$mismatches" -ne 0 ]; then
  echo "corpus: $mismatches folder(s) with unexpected verdicts"
  exit 1
fi
echo "corpus: every verdict as expected"
