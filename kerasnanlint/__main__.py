from kerasnanlint.cli import main

raise SystemExit(main())
