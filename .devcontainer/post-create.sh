#!/usr/bin/env bash
# Runs once when the dev container is created: data and reference packages, then a build so notebooks can #r the library.
set -euo pipefail
sudo apt-get update -qq
# Fashion-MNIST (real data, MIT) for the vision early-exit papers; PyTorch as an independent reference for parity tests.
sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist python3-torch || \
  echo "note: optional packages (dataset-fashion-mnist, python3-torch) did not install; the tests that need them will say so"
dotnet build Workbench.sln
