import sys

from occireflex.cli import main

sys.exit(main())
