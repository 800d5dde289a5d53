"""Benchmarks: the answer engine against peers on our own and on public data sets.

Run everything with ``python -m benchmarks.run --data ../shared/benchmarks``; see
BENCHMARKS.md for the results and how to read them. Nothing in ``bot/`` imports this
package, and its heavy dependencies (the ``bench`` extra) are never needed at run time.
"""
