"""The commands of the ccgrate command line, one module each."""
