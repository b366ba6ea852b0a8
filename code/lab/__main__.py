"""`python -m lab`: what ./eduworld-lab at the checkout's root runs."""

import sys

from .cli import main

sys.exit(main())
