from dmer_tips.cli import main

raise SystemExit(main())
