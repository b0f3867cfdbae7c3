#!/usr/bin/env bash
# The main job: builds the command, replays the bundled scenarios (corpus/scenarios/) against the
# embedded mock and prints the summary; then validates every payload of corpus/payloads/ and
# prints the verdicts. Exits non-zero when anything did not go as recorded.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_packages "${base_packages[@]}"
configure_build
cmake --build "$build_dir" --target alguna-contract -j "$(build_jobs)"
cd "$repo_root"
"$build_dir/alguna-contract" replay corpus/scenarios "$@"
bash scripts/check_corpus.sh "$build_dir/alguna-contract" corpus
