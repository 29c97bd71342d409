#!/usr/bin/env bash
# Refreshes the vendored copies of the team's shared material that tests read, so a clean clone
# (CI) tests without ../shared beside it: the recorded client requests and the S3 surface spec
# (its §9 error table is checked against the catalog).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf test/fixtures/clients && mkdir -p test/fixtures/clients test/fixtures/spec
cp -r ../shared/fixtures/clients/. test/fixtures/clients/
cp ../shared/spec/s3-surface.md test/fixtures/spec/s3-surface.md
