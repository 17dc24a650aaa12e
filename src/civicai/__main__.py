from civicai.cli import main

main()
