from suraksha.entrypoints.launch import main

main()
