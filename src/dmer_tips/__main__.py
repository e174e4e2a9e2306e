from dmer_tips.cli.main import main

raise SystemExit(main())
