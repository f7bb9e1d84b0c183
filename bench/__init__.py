"""Benchmark of VRT Assistent: NLU quality, reply latency and cost (`make bench`)."""
