from suraksha.cli import main

main()
