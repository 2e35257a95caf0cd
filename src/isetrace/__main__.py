"""``python -m isetrace`` is ``ise``."""

from isetrace.cli import main

if __name__ == "__main__":  # not when a worker process (an export's, say) imports its parent's main module
    main()
