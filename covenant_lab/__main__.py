import sys

from covenant_lab.cli import main

sys.exit(main())
