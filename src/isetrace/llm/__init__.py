"""Talking to models: the async OpenAI-compatible client (:mod:`.client`), reply parsing
(:mod:`.replies`, :mod:`.jsonparse`), retries (:mod:`.retry`), the reply cache (:mod:`.cache`), usage
accounting (:mod:`.usage`), opening a run's endpoints (:mod:`.endpoints`) and the offline scripted
endpoint (:mod:`.scripted`).

Nothing is imported here, so that configuration code can use :mod:`.scripted.faults` without pulling
in the HTTP client.
"""
