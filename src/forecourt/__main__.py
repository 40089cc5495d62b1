from forecourt.cli import main

main()
