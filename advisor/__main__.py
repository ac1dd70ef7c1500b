"""``python -m advisor``: the same command as the ``advisor`` script."""

from advisor.cli.main import main

raise SystemExit(main())
