from suraksha.entrypoints.cli import main

main()
