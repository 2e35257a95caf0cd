"""``python -m isetrace`` is ``ise``."""

from isetrace.cli import main

main()
