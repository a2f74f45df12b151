import sys

from smoothfn.cli import main

sys.exit(main())
