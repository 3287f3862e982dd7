"""python -m cnnlab lab | doctor | data: see cnnlab.cli."""

import sys

from cnnlab.cli import main

sys.exit(main())
