"""Offline worlds: services a session reaches on its own loopback, the way it would reach the real thing.

So far the package world (:mod:`.package_index`): a PEP 503 index, so ``pip install`` works offline.
"""
