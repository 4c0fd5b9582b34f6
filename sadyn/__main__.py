"""``python -m sadyn ...`` is the same as the ``sadyn`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
