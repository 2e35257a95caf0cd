"""Offline worlds: services a session reaches on its own loopback, the way it would reach the real thing.

:mod:`.host` serves one session's worlds from the isetrace process, inside the session's network
namespace, with a name server (:mod:`.dns`), an audit log (:mod:`.base`) and faults on purpose
(:mod:`.faults`); the worlds are the web (:mod:`.web`, its corpus in ``corpus/``), git remotes
(:mod:`.git_remote`), office services (:mod:`.office`, their operations in :mod:`.office_ops`, the
``office`` command in :mod:`.office_cli`, the scheduler's clock in :mod:`.scheduler`) and a package index
(:mod:`.package_index`). :mod:`.seed` is what they start from; :mod:`.sessions` opens them for a run's
sessions.
"""
