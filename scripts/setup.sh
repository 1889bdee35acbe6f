#!/usr/bin/env bash
# Installs dokja's dependencies from Debian 12 packages (idempotent,
# non-interactive) and builds dokja into build/.
#
#   bash scripts/setup.sh            # install what is missing, build
#   DOKJA_CMAKE_ARGS="-DDOKJA_WERROR=OFF" bash scripts/setup.sh   # another compiler
#
# Warnings are errors by default: Debian 12's GCC is the supported toolchain
# and the tree builds clean there (and CI then reuses this same build).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  nlohmann-json3-dev libcli11-dev
  libicu-dev                        # tokenizers: Unicode categories and regex
  libsentencepiece-dev              # tokenizers: SentencePiece tokenizer.model
  libopenblas-dev                   # the embedded engine's matrix products
  libcpp-httplib-dev                # the model server (src/serve) and its tests
  libsqlite3-dev                    # local state: registry, request cache (src/store)
  libyaml-cpp-dev                   # stage configs (src/scoring), benchmark task specs (src/bench)
  libpqxx-dev                       # the PostgreSQL store (src/store/postgres_store.cc)
  postgresql                        # server for the store suite (scripts/with_postgres.sh)
  libsodium-dev                     # the web platform: argon2id passwords, random tokens (src/web)
  libxxhash-dev                     # fingerprints' content hashes at disk speed (src/audit)
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev          # fuzzers and sanitizer builds
  chromium                          # renders the HTML reports in tests
  chromium-driver                   # drives headless Chromium in the web UI browser tests (src/web)
  fonts-nanum                       # Korean glyphs in the browser tests' screenshots
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# shellcheck disable=SC2086
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOKJA_WERROR=ON ${DOKJA_CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"
echo "setup: built build/dokja"
