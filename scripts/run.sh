#!/usr/bin/env bash
# The main job: builds the command and validates every payload in the bundled corpus, printing
# the verdicts. (Replaying the corpus against the embedded mock comes with the replay command.)
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_packages "${base_packages[@]}"
configure_build
cmake --build "$build_dir" --target alguna-contract -j "$(build_jobs)"
cd "$repo_root"
bash scripts/check_corpus.sh "$build_dir/alguna-contract" corpus
