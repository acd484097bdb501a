from ccgrate._cli.entry import main

main()
