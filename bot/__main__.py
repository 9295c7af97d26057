import sys

from bot.cli import main

# Guarded: a process started with "spawn" (the desk's analysis helpers) imports the main
# module again, and must not run the command a second time.
if __name__ == "__main__":
    sys.exit(main())
