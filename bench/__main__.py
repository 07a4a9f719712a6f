"""`python -m bench`: run the load benchmark."""

from bench.cli import main

raise SystemExit(main())
