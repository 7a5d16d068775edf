from bioatlas.cli import main

main()
