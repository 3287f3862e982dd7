"""python -m cnnlab lab | doctor | data: see cnnlab.setup.cli."""

import sys

from cnnlab.setup.cli import main

sys.exit(main())
