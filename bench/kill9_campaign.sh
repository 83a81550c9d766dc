#!/usr/bin/env bash
# A longer kill -9 campaign than CI runs: the real venomd binary against the fake Hub, killed at
# seeded pseudo-random moments while it installs and removes models and switches cloud models,
# restarted and checked after every round (tests/integration/kill9_campaign_test.cpp).
#   bench/kill9_campaign.sh [build-dir] [rounds] [seed]
set -euo pipefail
build=${1:-build}
rounds=${2:-200}
seed=${3:-$RANDOM}
echo "kill -9 campaign: rounds=$rounds seed=$seed (rerun with the same seed to replay)"
VENOM_KILL9_ROUNDS=$rounds VENOM_KILL9_SEED=$seed \
    "$build/tests/venom_integration_tests" --gtest_filter='Kill9Campaign.*'
