"""The packdesk benchmark (bench/bench.py is the entry point; see bench/README.md)."""
