from civicai.cli import main

if __name__ == "__main__":  # guarded: worker processes (spawn) import this module without running the CLI
    main()
