"""Performance benchmarks behind ``govbot bench`` (issue #8).

- :mod:`eval.bench.chat` — chat load against a served API and the retrieval floor
- :mod:`eval.bench.ingest` — ingest throughput against raw embedding throughput
- :mod:`eval.bench.memory` — peak RSS of the API process
- :mod:`eval.bench.server` — ``govbot serve`` as a loopback subprocess
- :mod:`eval.bench.latency` — latency samples and their percentiles

docs/performance.md has the measured figures, the commands and the machine.
"""
