from oncotrial.cli import main

main()
