"""Talking to models: the async OpenAI-compatible client (:mod:`.client`), reply parsing
(:mod:`.replies`, :mod:`.jsonparse`), retries (:mod:`.retry`), the reply cache (:mod:`.cache`), usage
accounting (:mod:`.usage`), endpoints started in-process by name (:mod:`.providers`) and opening a run's
endpoints (:mod:`.endpoints`).

Nothing is imported here, so that configuration code can use parts of this package without pulling in
the HTTP client.
"""
